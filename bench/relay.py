#!/usr/bin/env python3
"""A userspace TCP relay that delays every chunk by a fixed time each way.

    relay.py LISTEN_HOST UPSTREAM_HOST:PORT [UPSTREAM_HOST:PORT ...] --one-way-ms D

For each upstream it listens on LISTEN_HOST on a free port and prints one
line "PORT UPSTREAM" per upstream, then "ready". Every chunk read from
either side is written to the other side D ms after it was read, in order,
without limiting bandwidth (the kernel here has no netem): a round trip
through the relay costs 2 * D ms more. Loopback only: it refuses any other
address. Runs until stdin closes or it is killed.
"""

import argparse
import asyncio
import ipaddress
import sys
import time


def loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit(f"relay: {host} is not a loopback address")
    return host


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk `delay` seconds after it came."""
    queue = asyncio.Queue()

    async def read_side():
        try:
            while True:
                data = await reader.read(256 * 1024)
                queue.put_nowait((time.monotonic() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((time.monotonic() + delay, b""))

    async def write_side():
        try:
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    await asyncio.gather(read_side(), write_side())


async def serve(listen_host, upstream, delay):
    up_host, up_port = upstream.rsplit(":", 1)
    loopback(up_host)

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(up_host, int(up_port))
        except OSError:
            client_writer.close()
            return
        # The connect itself costs a round trip on a real link.
        await asyncio.sleep(2 * delay)
        await asyncio.gather(
            pump(client_reader, server_writer, delay),
            pump(server_reader, client_writer, delay),
        )
        for w in (client_writer, server_writer):
            w.close()

    server = await asyncio.start_server(handle, listen_host, 0)
    return server, server.sockets[0].getsockname()[1]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen_host", type=loopback)
    ap.add_argument("upstreams", nargs="+")
    ap.add_argument("--one-way-ms", type=float, required=True)
    args = ap.parse_args()
    delay = args.one_way_ms / 1000.0
    servers = []
    for upstream in args.upstreams:
        server, port = await serve(args.listen_host, upstream, delay)
        servers.append(server)
        print(port, upstream, flush=True)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    # Ends when whoever started it closes our stdin.
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
