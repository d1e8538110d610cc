"""End-of-DATA to 250 latency at a fixed offered rate.

smtp-source measures throughput only, so this client sends at a set rate over
several sessions (PIPELINING for MAIL, RCPT and DATA, as a real MTA does) and
times each message from the last byte of its data to its reply.
"""
import asyncio
import time

BODY = b"From: a@x.test\r\nTo: u@bench.test\r\nSubject: latency\r\n\r\n" + (b"x" * 75 + b"\r\n") * 52


async def _reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3])


async def _session(port, rate, count, rcpt, latencies, errors, start):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await _reply(reader)
    writer.write(b"EHLO latency.bench.test\r\n")
    await _reply(reader)
    loop = asyncio.get_running_loop()
    due = start
    for _ in range(count):
        due += 1 / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        writer.write(b"MAIL FROM:<a@x.test>\r\nRCPT TO:<" + rcpt.encode() + b">\r\nDATA\r\n")
        codes = [await _reply(reader) for _ in range(3)]
        if codes != [250, 250, 354]:
            errors.append(codes)
            continue
        writer.write(BODY + b".\r\n")
        await writer.drain()
        start = time.perf_counter()
        code = await _reply(reader)
        latencies.append(time.perf_counter() - start)
        if code != 250:
            errors.append(code)
    writer.write(b"QUIT\r\n")
    await _reply(reader)
    writer.close()


def measure(port, rate, seconds=10, sessions=20, rcpt="u@bench.test"):
    """Offers `rate` messages/s for `seconds`; returns (latencies in s, errors)."""
    per_session = max(1, int(rate * seconds / sessions))
    latencies, errors = [], []

    async def run():
        # Each session sends at rate/sessions; their phases are spread evenly so that
        # the server sees one message every 1/rate s, not all sessions at once.
        start = asyncio.get_running_loop().time() + 0.5
        await asyncio.gather(*[
            _session(port, rate / sessions, per_session, rcpt, latencies, errors, start + i / rate)
            for i in range(sessions)
        ])

    asyncio.run(run())
    return latencies, errors
