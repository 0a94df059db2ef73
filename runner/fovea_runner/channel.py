"""The SOCK_SEQPACKET channel: one UTF-8 JSON object per datagram (at most
64 KiB), descriptors attached with SCM_RIGHTS (at most 64 per datagram).

Anything else from the peer is a protocol error (``ChannelError``); the
runner's answer to it is to exit, as the supervisor does to a broken peer.
"""

from __future__ import annotations

import array
import json
import os
import socket

MAX_MESSAGE = 64 * 1024
MAX_FDS = 64
CHANNEL_FD = 3


class ChannelError(Exception):
    """The peer sent something that is not a message, or hung up."""


class Closed(ChannelError):
    """The peer closed the channel (EOF)."""


class Channel:
    def __init__(self, fd: int = CHANNEL_FD):
        self.sock = socket.socket(fileno=fd)
        if self.sock.type != socket.SOCK_SEQPACKET:
            raise ChannelError(f"descriptor {fd} is not a SOCK_SEQPACKET socket")

    def fileno(self) -> int:
        return self.sock.fileno()

    def recv(self) -> tuple[dict, list[int]]:
        """The next message and its descriptors (close-on-exec, owned by the caller)."""
        cmsg_space = socket.CMSG_SPACE(MAX_FDS * 4)
        data, ancdata, flags, _ = self.sock.recvmsg(MAX_MESSAGE + 1, cmsg_space, socket.MSG_CMSG_CLOEXEC)
        fds: list[int] = []
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(payload[: len(payload) - (len(payload) % a.itemsize)])
                fds.extend(a)
        try:
            if not data and not fds:
                raise Closed("channel closed")
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(data) > MAX_MESSAGE:
                raise ChannelError("message or descriptors truncated (over 64 KiB or 64 descriptors)")
            try:
                msg = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise ChannelError(f"not a JSON message: {e}") from None
            if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
                raise ChannelError("a message is a JSON object with a string 'type'")
            return msg, fds
        except ChannelError:
            for fd in fds:
                os.close(fd)
            raise

    def send(self, msg: dict, fds: list[int] | tuple[int, ...] = ()) -> None:
        data = encode(msg)
        if len(fds) > MAX_FDS:
            raise ChannelError(f"{len(fds)} descriptors in one message (at most {MAX_FDS})")
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.sock.sendmsg([data], anc)

    def close(self) -> None:
        self.sock.close()


def encode(msg: dict) -> bytes:
    data = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    if len(data) > MAX_MESSAGE:
        raise ChannelError(f"message of {len(data)} bytes (at most {MAX_MESSAGE})")
    return data


def encoded_size(msg: dict) -> int:
    return len(json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace"))
