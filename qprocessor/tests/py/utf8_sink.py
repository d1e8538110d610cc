"""An aiosmtpd server as a next hop, with SMTPUTF8 offered or not; each
message it takes is written to DIR as JSON (envelope and content).

usage: utf8_sink.py HOST PORT DIR on|off
"""
import asyncio
import json
import os
import sys

from aiosmtpd.controller import Controller

host, port, folder, utf8 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "on"


class Keep:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Keep.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "smtp_utf8": envelope.smtp_utf8,
            "content": envelope.original_content.decode("utf-8", "replace"),
        }
        path = os.path.join(folder, f"{Keep.count}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: kept"


controller = Controller(Keep(), hostname=host, port=port, enable_SMTPUTF8=utf8)
controller.start()
print("ready", flush=True)
try:
    asyncio.run(asyncio.Event().wait())
finally:
    controller.stop()
