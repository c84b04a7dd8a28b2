"""Content-addressed blob stores: a local folder and S3-compatible object storage."""

from headway.store.blobstore.base import BaseBlobStore, BlobInfo, CorruptBlob, open_blob_store
from headway.store.blobstore.digest import DIGEST_NAME, digest_bytes, digest_file, is_digest

__all__ = [
    "DIGEST_NAME",
    "BaseBlobStore",
    "BlobInfo",
    "CorruptBlob",
    "digest_bytes",
    "digest_file",
    "is_digest",
    "open_blob_store",
]
