"""Upload handlers whose temporary file never fails on the name a browser sent.

The files of a request whose body is above FILE_UPLOAD_MAX_MEMORY_SIZE (5 MiB;
the body limit lets up to 6 MiB in) are streamed to temporary files, each named
after its upload's extension
(`tmpXXXXXXXX.upload.<extension>`). An extension of some 240 characters
(`a.xxxx...`) made that name longer than the file system allows: OSError while
Django parsed the POST, in the CSRF check, a 500 on any form page for anyone
holding a CSRF cookie. `ShortExtensionTemporaryFileUploadHandler` keeps at most
the first MAX_EXTENSION characters of it; nothing reads it later (an image is
stored under its kind's extension, config/media/uploads.py).
"""

import os

from django.core.files.uploadhandler import TemporaryFileUploadHandler

MAX_EXTENSION = 16  # ".upload" and 16 characters of 4 UTF-8 bytes: far under 255


def short_extension(file_name: str) -> str:
    stem, extension = os.path.splitext(file_name)
    return stem + extension[: MAX_EXTENSION + 1]  # the dot and MAX_EXTENSION characters


class ShortExtensionTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, short_extension(file_name), *args, **kwargs)
