"""The web node's websocket protocol keeps uvicorn's promises, lighter per page and per frame."""

import asyncio
import socket

import uvicorn
from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode

from wazstagram.leanwebsocket import Inbox, LeanWebSocketProtocol, WriteGate


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


async def test_a_text_sent_to_many_pages_is_framed_once_and_a_compressing_page_still_gets_it(
    monkeypatch,
):
    framed = []
    serialize = Frame.serialize

    def counting(frame, *, mask, extensions=None):
        if frame.opcode is Opcode.TEXT and not mask:  # the server's text frames
            framed.append(frame)
        return serialize(frame, mask=mask, extensions=extensions)

    monkeypatch.setattr(Frame, "serialize", counting)
    text = "é" * 70_000  # over 65,535 bytes: the 8-byte length form
    pages = 5
    everyone_in, sent = asyncio.Event(), asyncio.Event()
    accepted = []

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        accepted.append(scope)
        if len(accepted) == pages + 1:
            everyone_in.set()
        await everyone_in.wait()
        await send({"type": "websocket.send", "text": text})
        await send({"type": "websocket.send", "text": "and one more"})
        sent.set()
        await receive()

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            ws=LeanWebSocketProtocol,
            ws_per_message_deflate=True,
            lifespan="off",
            log_level="warning",
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        url = f"ws://127.0.0.1:{port}/"
        plain = [await connect(url, compression=None, max_size=None) for _ in range(pages)]
        deflating = await connect(
            url, compression=None, extensions=[ClientPerMessageDeflateFactory()], max_size=None
        )
        for page in [*plain, deflating]:
            assert await asyncio.wait_for(page.recv(), 5) == text
            assert await asyncio.wait_for(page.recv(), 5) == "and one more"
        # One frame per text for the five plain pages; the compressing page's own two.
        assert len(framed) == 4
        for page in [*plain, deflating]:
            await page.close()
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
