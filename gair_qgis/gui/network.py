"""A transport for the download core (`runtime.download`) on QGIS's own network stack:
requests go through `QgsNetworkAccessManager`, so the user's proxy, SSL and authentication
settings (Settings > Options > Network, an optional auth configuration) apply.

The reply is read in chunks as it arrives (never held whole in memory), waiting in a local
event loop; it works on the main thread and in a QgsTask's worker thread (QGIS gives each
thread its own network manager with the same settings)."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from qgis.core import QgsApplication, QgsNetworkAccessManager
from qgis.PyQt.QtCore import QEventLoop, QTimer, QUrl
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest

from ..runtime.download import CHUNK_BYTES, USER_AGENT, DownloadCancelled, Reply, TransferError

IDLE_TIMEOUT_S = 60.0  # no byte for this long: the connection is taken as dropped
POLL_MS = 200  # how often a wait looks at the cancel flag
READ_BUFFER_BYTES = 8 * CHUNK_BYTES


def qgis_transport(
    url: str,
    offset: int,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    authcfg: str = "",
    idle_timeout_s: float = IDLE_TIMEOUT_S,
) -> Reply:
    """GET `url` from byte `offset` through QgsNetworkAccessManager (see `runtime.download.Transport`)."""
    request = QNetworkRequest(QUrl(url))
    request.setRawHeader(b"User-Agent", USER_AGENT.encode())
    if offset:
        request.setRawHeader(b"Range", f"bytes={offset}-".encode())
    request.setAttribute(
        QNetworkRequest.Attribute.RedirectPolicyAttribute, QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy
    )
    if authcfg:
        QgsApplication.authManager().updateNetworkRequest(request, authcfg)
    reply = QgsNetworkAccessManager.instance().get(request)
    reply.setReadBufferSize(READ_BUFFER_BYTES)
    _wait(reply, cancelled, idle_timeout_s)
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    if status is None:  # no HTTP answer: host not found, connection refused, proxy error...
        message = reply.errorString()
        _close(reply)
        raise TransferError(message)
    reason = reply.attribute(QNetworkRequest.Attribute.HttpReasonPhraseAttribute) or ""
    length = reply.header(QNetworkRequest.KnownHeaders.ContentLengthHeader)
    content_range = bytes(reply.rawHeader(b"Content-Range")).decode("latin-1")
    if int(status) >= 400:
        _close(reply)
        return Reply(int(status), content_range=content_range, reason=str(reason))
    return Reply(
        int(status),
        int(length) if length is not None else None,
        content_range,
        _chunks(reply, cancelled, idle_timeout_s),
        str(reason),
        close=lambda: _close(reply),
    )


def _chunks(reply: QNetworkReply, cancelled: Callable[[], bool], idle_timeout_s: float) -> Iterator[bytes]:
    while True:
        if reply.bytesAvailable() > 0:
            yield bytes(reply.read(CHUNK_BYTES))
            continue
        if reply.isFinished():
            if reply.error() != QNetworkReply.NetworkError.NoError:
                raise TransferError(f"the connection dropped ({reply.errorString()})")
            return
        _wait(reply, cancelled, idle_timeout_s)


def _wait(reply: QNetworkReply, cancelled: Callable[[], bool], idle_timeout_s: float) -> None:
    """Run a local event loop until the reply has data or is finished; raises on cancel or
    when nothing arrives for `idle_timeout_s`."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)
    reply.readyRead.connect(loop.quit)
    reply.finished.connect(loop.quit)
    timer.timeout.connect(loop.quit)
    timer.start()
    started = time.monotonic()
    try:
        while reply.bytesAvailable() == 0 and not reply.isFinished():
            if cancelled():
                reply.abort()
                raise DownloadCancelled("cancelled; download again to resume")
            if time.monotonic() - started > idle_timeout_s:
                reply.abort()
                raise TransferError(f"no data for {idle_timeout_s:.0f} s")
            loop.exec()
    finally:
        timer.stop()
        for signal in (reply.readyRead, reply.finished):
            signal.disconnect(loop.quit)


def _close(reply: QNetworkReply) -> None:
    if not reply.isFinished():
        reply.abort()
    reply.deleteLater()
