"""The lighter inbox and write gate of the web node's websocket protocol keep uvicorn's promises."""

import asyncio

from wazstagram.leanwebsocket import Inbox, WriteGate


async def test_the_inbox_hands_messages_over_in_order_and_a_waiting_receive_gets_the_next():
    inbox = Inbox()
    inbox.put_nowait({"type": "websocket.connect"})
    inbox.put_nowait({"type": "websocket.receive", "text": "1"})
    assert await inbox.get() == {"type": "websocket.connect"}
    assert not inbox.empty()
    assert await inbox.get() == {"type": "websocket.receive", "text": "1"}
    assert inbox.empty()

    waiting = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    inbox.put_nowait({"type": "websocket.disconnect", "code": 1001})
    assert await asyncio.wait_for(waiting, 1) == {"type": "websocket.disconnect", "code": 1001}


async def test_a_cancelled_receive_loses_no_message():
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    inbox.put_nowait({"type": "websocket.receive", "text": "kept"})
    assert await asyncio.wait_for(inbox.get(), 1) == {"type": "websocket.receive", "text": "kept"}


async def test_a_paused_socket_holds_every_writer_until_it_drains():
    gate = WriteGate()
    assert gate.is_set()
    await asyncio.wait_for(gate.wait(), 1)  # open: writes go straight on

    gate.clear()  # the transport's buffer is over its high-water mark
    writers = [asyncio.ensure_future(gate.wait()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(writer.done() for writer in writers)

    gate.set()  # drained, or the connection is lost: nobody waits for ever
    await asyncio.wait_for(asyncio.gather(*writers), 1)
    assert gate.is_set()
