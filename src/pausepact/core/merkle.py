"""RFC 6962 / RFC 9162 Merkle tree math, in small pure functions.

Hashes are 32-byte SHA-256 values. A tree of ``size`` leaves is addressed by
*perfect subtrees*: ``(level, index)`` covers leaves
``[index * 2**level, (index + 1) * 2**level)``. Proof generation asks a
``NodeSource`` for those hashes only, so a store that keeps them can answer any
proof with O(log n) reads and no rereading of the log.

Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 and rejects every
malformed proof (wrong length, wrong sizes, hashes not 32 bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeSource = Callable[[int, int], bytes]
"""``get(level, index)``: the hash of the perfect subtree at (level, index)."""


class ProofError(ValueError):
    """A proof does not verify, or a proof request is out of range."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (naive; for small trees and tests)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def range_hash(get: NodeSource, start: int, end: int) -> bytes:
    """MTH of leaves [start, end), where ``start`` is aligned as RFC 6962 subtrees always are."""
    n = end - start
    if n <= 0:
        raise ProofError("empty range")
    if n & (n - 1) == 0 and start % n == 0:
        return get(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(range_hash(get, start, start + k), range_hash(get, start + k, end))


def root(get: NodeSource, size: int) -> bytes:
    """The tree hash of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(get, 0, size)


def inclusion_proof(get: NodeSource, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[size]), leaf to root order."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            proof.append(range_hash(get, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(get, start, start + k))
            start, m = start + k, m - k
    proof.reverse()
    return proof


def consistency_proof(get: NodeSource, first: int, second: int) -> list[bytes]:
    """RFC 6962 PROOF(first, D[second]) for 0 < first <= second (empty when equal)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    proof: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(range_hash(get, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(get, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(range_hash(get, start, end))
    proof.reverse()
    return proof


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"hash of {len(h)} bytes; expected {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 2.1.3.2); raises ProofError if malformed."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    _check_hashes(leaf, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> None:
    """Raise ProofError unless ``leaf`` is at ``index`` of the tree of ``size`` with ``expected_root``."""
    _check_hashes(expected_root)
    if root_from_inclusion(index, size, leaf, proof) != expected_root:
        raise ProofError("inclusion proof does not lead to the expected root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless the tree (second, second_root) extends (first, first_root)."""
    if first > second:
        raise ProofError(f"size {first} is larger than size {second}")
    if first == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if first == second:
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("same size, different roots: the log forked")
        return
    _check_hashes(first_root, second_root, *proof)
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != first_root:
        raise ProofError("consistency proof does not match the first root")
    if sr != second_root:
        raise ProofError("consistency proof does not match the second root: the log was rewritten")


class CompactRange:
    """The right edge of a growing tree: what an appender needs to compute new node hashes.

    ``append(leaf)`` returns every perfect-subtree node it completes as
    ``(level, index, hash)``, level 0 being the leaf itself, so a store can
    persist exactly those. Memory is O(log n).
    """

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        if len(peaks) != bin(size).count("1"):
            raise ValueError("peaks do not match size")
        self.size = size
        self.peaks = list(peaks)  # perfect subtree roots, left to right, largest first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        made = [(0, self.size, leaf)]
        h, level, index = leaf, 0, self.size
        while index & 1:
            h = node_hash(self.peaks.pop(), h)
            level, index = level + 1, index >> 1
            made.append((level, index, h))
        self.peaks.append(h)
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        h = self.peaks[-1]
        for p in reversed(self.peaks[:-1]):
            h = node_hash(p, h)
        return h

    @staticmethod
    def peak_positions(size: int) -> list[tuple[int, int]]:
        """(level, index) of the perfect subtrees whose roots are the peaks of a tree of ``size``."""
        out, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                out.append((level, start >> level))
                start += 1 << level
        return out
