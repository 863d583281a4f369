// Node socket.io 4.8 peer for bench/run: the market-stream contract and nothing more.
// subscribe_market_stream {symbol, fields} -> stream_subscribed {symbol, fields};
// publish [ticks] (acked) -> {ok, accepted, duplicates:0}, and to every subscriber
// of each tick's symbol stream_data {symbol, data:{subscribed fields}, timestamp, seq}.
// One room per (symbol, field list): one broadcast (one encoding) per distinct filter.
// Rooms (W6): subscribe {room} -> subscribed {room, status, members}; room_message
// {room, content, message_type, metadata} from a member -> room_message {id, room_id,
// sender_id, message_type, content, timestamp, metadata} to every member, sender too.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || process.env.PORT || 20300);
const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });

const seq = new Map();     // symbol -> last seq
const filters = new Map(); // symbol -> Map(room -> fields array, or null for all)
let messageId = 0;
const chatRoom = (req) => (req && typeof req.room === "string" && req.room ? "room:" + req.room : null);

io.on("connection", (socket) => {
  socket.on("subscribe_market_stream", (req, ack) => {
    const symbol = req && typeof req.symbol === "string" ? req.symbol : null;
    if (!symbol) {
      socket.emit("stream_error", { error: "INVALID_PARAMETERS" });
      return;
    }
    let fields = Array.isArray(req.fields) && req.fields.length ? [...new Set(req.fields)].sort() : ["*"];
    if (fields.includes("*")) fields = ["*"];
    const room = symbol + "|" + fields.join(",");
    if (!filters.has(symbol)) filters.set(symbol, new Map());
    filters.get(symbol).set(room, fields[0] === "*" ? null : fields);
    socket.join(room);
    const answer = { symbol, fields };
    if (typeof ack === "function") ack(answer);
    socket.emit("stream_subscribed", answer);
  });

  socket.on("subscribe", (req) => {
    const room = chatRoom(req);
    if (!room) return socket.emit("error", { error_code: "INVALID_PARAMETERS", message: "subscribe needs a room" });
    socket.join(room);
    socket.emit("subscribed", { room: req.room, status: "subscribed", members: io.sockets.adapter.rooms.get(room).size });
  });

  socket.on("room_message", (req) => {
    const room = chatRoom(req);
    if (!room || !socket.rooms.has(room))
      return socket.emit("error", { error_code: "ROOM_NOT_FOUND", message: "not a member of the room" });
    io.to(room).emit("room_message", { id: String(++messageId), room_id: req.room, sender_id: socket.id,
      message_type: req.message_type || "text", content: req.content, timestamp: Date.now(), metadata: req.metadata || {} });
  });

  socket.on("publish", (ticks, ack) => {
    const list = Array.isArray(ticks) ? ticks : [ticks];
    let accepted = 0;
    for (const t of list) {
      if (!t || typeof t.symbol !== "string") continue;
      const s = (seq.get(t.symbol) || 0) + 1;
      seq.set(t.symbol, s);
      ++accepted;
      const rooms = filters.get(t.symbol);
      if (!rooms) continue;
      const timestamp = t.timestamp ?? Date.now();
      for (const [room, fields] of rooms) {
        let data;
        if (fields === null) {
          const { symbol, ...rest } = t;
          data = rest;
        } else {
          data = {};
          for (const f of fields) if (f in t) data[f] = t[f];
        }
        io.to(room).emit("stream_data", { symbol: t.symbol, data, timestamp, seq: s });
      }
    }
    if (typeof ack === "function") ack({ ok: true, accepted, duplicates: 0 });
  });
});

httpServer.listen(port, "127.0.0.1", () => console.error(`node socket.io peer on 127.0.0.1:${port}`));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { io.close(); process.exit(0); });
