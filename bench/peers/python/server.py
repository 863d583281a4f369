"""python-socketio peer for bench/run: the market-stream contract and nothing more.

An ASGI app (socketio.AsyncServer, async_mode="asgi") served by uvicorn, with Debian's
python3-socketio, python3-uvicorn and python3-websockets (run with /usr/bin/python3).
subscribe_market_stream {symbol, fields} -> stream_subscribed {symbol, fields};
publish [ticks] (acked) -> {ok, accepted, duplicates: 0}, and to every subscriber of each
tick's symbol stream_data {symbol, data: {subscribed fields}, timestamp, seq}.
One room per (symbol, field list): one emit per distinct filter.
Rooms (W6): subscribe {room} -> subscribed {room, status, members}; room_message {room,
content, message_type, metadata} from a member -> room_message {id, room_id, sender_id,
message_type, content, timestamp, metadata} to every member, the sender too.

    /usr/bin/python3 server.py [PORT]
"""
import itertools
import os
import sys
import time

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", transports=["websocket"], cors_allowed_origins="*")
app = socketio.ASGIApp(sio)

seqs = {}     # symbol -> last seq
filters = {}  # symbol -> {room: fields list, or None for all}
message_ids = itertools.count(1)


def chat_room(req):
    room = req.get("room") if isinstance(req, dict) else None
    return "room:" + room if isinstance(room, str) and room else None


@sio.on("subscribe_market_stream")
async def subscribe(sid, req):
    symbol = req.get("symbol") if isinstance(req, dict) else None
    if not isinstance(symbol, str):
        await sio.emit("stream_error", {"error": "INVALID_PARAMETERS"}, to=sid)
        return None
    fields = sorted(set(req.get("fields") or [])) or ["*"]
    if "*" in fields:
        fields = ["*"]
    room = symbol + "|" + ",".join(fields)
    filters.setdefault(symbol, {})[room] = None if fields == ["*"] else fields
    sio.enter_room(sid, room)
    answer = {"symbol": symbol, "fields": fields}
    await sio.emit("stream_subscribed", answer, to=sid)
    return answer


@sio.on("subscribe")
async def join_room(sid, req):
    room = chat_room(req)
    if room is None:
        await sio.emit("error", {"error_code": "INVALID_PARAMETERS", "message": "subscribe needs a room"}, to=sid)
        return
    sio.enter_room(sid, room)
    members = sum(1 for _ in sio.manager.get_participants("/", room))
    await sio.emit("subscribed", {"room": req["room"], "status": "subscribed", "members": members}, to=sid)


@sio.on("room_message")
async def room_message(sid, req):
    room = chat_room(req)
    if room is None or room not in sio.rooms(sid):
        await sio.emit("error", {"error_code": "ROOM_NOT_FOUND", "message": "not a member of the room"}, to=sid)
        return
    await sio.emit("room_message", {"id": str(next(message_ids)), "room_id": req["room"], "sender_id": sid,
                                    "message_type": req.get("message_type", "text"), "content": req.get("content"),
                                    "timestamp": int(time.time() * 1000), "metadata": req.get("metadata") or {}},
                   room=room)


@sio.on("publish")
async def publish(sid, ticks):
    accepted = 0
    for t in ticks if isinstance(ticks, list) else [ticks]:
        if not isinstance(t, dict) or not isinstance(t.get("symbol"), str):
            continue
        symbol = t["symbol"]
        seq = seqs.get(symbol, 0) + 1
        seqs[symbol] = seq
        accepted += 1
        timestamp = t.get("timestamp", int(time.time() * 1000))
        for room, fields in filters.get(symbol, {}).items():
            if fields is None:
                data = {k: v for k, v in t.items() if k != "symbol"}
            else:
                data = {f: t[f] for f in fields if f in t}
            await sio.emit("stream_data", {"symbol": symbol, "data": data, "timestamp": timestamp, "seq": seq}, room=room)
    return {"ok": True, "accepted": accepted, "duplicates": 0}


if __name__ == "__main__":
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "20400"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets", backlog=4096)
