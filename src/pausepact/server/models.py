"""Response models of the HTTP API (they document it in OpenAPI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Receipt(BaseModel):
    """An accepted statement: durable, and inside the signed checkpoint returned."""

    index: int = Field(description="the entry's index in the log")
    leaf_hash: str = Field(description="hex RFC 6962 leaf hash of the envelope's RFC 8785 bytes")
    checkpoint: str = Field(description="a C2SP signed checkpoint note that includes the entry")


class Refusal(BaseModel):
    """A refused request: nothing was appended."""

    error: str = Field(description="malformed, payload-type, too-large, bad-signature, unknown-key, wrong-pact, bad-seq, "
                                   "bad-time, time-order, skew, role, body (statements); not-found, unavailable (other requests)")
    detail: str
    log_time: str | None = Field(default=None, description="the log's clock, when re-signing with a later time would help")


class IndexedEntry(BaseModel):
    index: int
    envelope: dict[str, Any]


class Entries(BaseModel):
    entries: list[IndexedEntry]


class InclusionProof(BaseModel):
    index: int
    size: int
    hashes: list[str]


class ConsistencyProof(BaseModel):
    first: int
    second: int
    hashes: list[str]


class SeqInfo(BaseModel):
    keyid: str
    seq: int = Field(description="the last seq the log counted for this key (0: none yet)")
    log_time: str


class StatusCore(BaseModel):
    """The status core the server proposes now; monitors sign it only if it equals their own replay."""

    payload: str = Field(description="base64 of the RFC 8785 core")
    core: dict[str, Any]


class StatusSignature(BaseModel):
    """A monitor's signature over a proposed core: a status envelope with one signature."""

    payloadType: str
    payload: str
    signatures: list[dict[str, str]]
