"""The owner's download of everything the organization holds: the archive of `mobilize export`, as a zip."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from mobilize.services.access import Actor
from mobilize.services.transfer import archive
from mobilize.web.dashboard.session import organizer_page


@organizer_page
async def download(request: Request, actor: Actor) -> Response:
    directory = Path(tempfile.mkdtemp(prefix="mobilize-archive-"))
    try:
        target = await archive.download_archive(actor, directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type="application/zip",
        filename=target.name,
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )
