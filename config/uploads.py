"""The cap on a multipart request's size, before Django reads any of it.

Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of files, but not the size
of an uploaded file: a file past FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file,
however large. And any POST is parsed when the CSRF check reads its token, so anyone, signed in
or not, could fill the disk by posting one huge file to any page. This handler, first in
FILE_UPLOAD_HANDLERS, refuses a multipart body longer than PATHWAYS_UPLOAD_MAX_REQUEST_SIZE
outright: the request is answered 400 and its body is never read.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimitHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > settings.PATHWAYS_UPLOAD_MAX_REQUEST_SIZE:
            raise RequestDataTooBig(
                "Multipart body exceeded settings.PATHWAYS_UPLOAD_MAX_REQUEST_SIZE."
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data  # passed on to the handlers that keep the file

    def file_complete(self, file_size: int) -> None:
        return None
