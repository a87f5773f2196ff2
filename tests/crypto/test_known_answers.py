"""Known-answer tests: pin every format, so a change that breaks stored data fails here.

Vectors marked *reference* come from outside this project (RFC 8032, the Argon2
reference implementation's test.c); the others were generated once with this code and
pasted in. Never regenerate them to make a test pass: a mismatch means stored reports,
keys or signatures would no longer open.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gratify.crypto import aead, envelope, kdf, receipt, sign
from gratify.crypto.stream import StreamOpener, _sealer_with_randomness, open_stream

KEY = bytes(range(32))

# --- aead -------------------------------------------------------------------------------
AEAD_CONTEXT = bytes.fromhex("7300000004636173656900000001317300000007616e7377657273")
AEAD_NONCE = bytes.fromhex("000102030405060708090a0b")
AEAD_PLAINTEXT = b"Saya menerima parsel senilai Rp 2.500.000"
AEAD_SEALED = bytes.fromhex(
    "01000102030405060708090a0b1463af7ae588a775e833fee6d0c9080cf1a5e258d0083a12510b84ec3d3b70"
    "92333e9bcc9fef22a844c4554f6d5c79c58a914b2eb5d613dedc"
)


def test_associated_data_encoding() -> None:
    assert aead.associated_data("case", 1, "answers") == AEAD_CONTEXT


def test_aead_vector() -> None:
    assert aead.unseal(KEY, AEAD_SEALED, context=AEAD_CONTEXT) == AEAD_PLAINTEXT
    assert aead._seal_with_nonce(KEY, AEAD_PLAINTEXT, AEAD_NONCE, context=AEAD_CONTEXT) == (
        AEAD_SEALED
    )


def test_aead_format_is_plain_aes_gcm_over_version_and_context() -> None:
    body = AESGCM(KEY).encrypt(AEAD_NONCE, AEAD_PLAINTEXT, b"\x01" + AEAD_CONTEXT)
    assert b"\x01" + AEAD_NONCE + body == AEAD_SEALED


# --- stream -----------------------------------------------------------------------------
STREAM_CONTEXT = aead.associated_data("case", 1, "attachment", 1)
STREAM_SALT = bytes(range(100, 132))
STREAM_PREFIX = bytes(range(200, 207))
STREAM_SMALL_SEALED = bytes.fromhex(
    "01000010006465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283c8c9cacbcccdce"
    "00000022ab541ed970bee9d47f4c55f6fbab3798bcbf4d3e6f204d3bc408e9593a58b5abefcd"
)
STREAM_BIG_PLAINTEXT = bytes(i % 256 for i in range(2 * 4096 + 5))
STREAM_BIG_SHA256 = "104cf3fabfe51259bdc73d34d5c85d6e4e4b354a22dabdbb5e34dc5a69d56ed7"


def _seal_fixed(plaintext: bytes) -> bytes:
    sealer = _sealer_with_randomness(
        KEY, context=STREAM_CONTEXT, chunk_size=4096, salt=STREAM_SALT, nonce_prefix=STREAM_PREFIX
    )
    return sealer.header() + sealer.feed(plaintext) + sealer.finish()


def test_stream_vectors() -> None:
    assert b"".join(open_stream(KEY, [STREAM_SMALL_SEALED], context=STREAM_CONTEXT)) == (
        b"a small attachment"
    )
    assert _seal_fixed(b"a small attachment") == STREAM_SMALL_SEALED
    big = _seal_fixed(STREAM_BIG_PLAINTEXT)
    assert len(big) == 8301
    assert hashlib.sha256(big).hexdigest() == STREAM_BIG_SHA256
    opener = StreamOpener(KEY, context=STREAM_CONTEXT)
    assert opener.feed(big) == STREAM_BIG_PLAINTEXT
    opener.finish()


def test_stream_format_matches_its_description() -> None:
    """Rebuild the sealed file from the documented construction with raw primitives."""
    header = b"\x01" + (4096).to_bytes(4, "big") + STREAM_SALT + STREAM_PREFIX
    info = b"gratify stream v1\x00" + STREAM_CONTEXT
    file_key = HKDF(SHA256(), 32, salt=STREAM_SALT, info=info).derive(KEY)
    chunks = [STREAM_BIG_PLAINTEXT[i : i + 4096] for i in range(0, 3 * 4096, 4096)]
    expected = header
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        nonce = STREAM_PREFIX + index.to_bytes(4, "big") + bytes([last])
        record = AESGCM(file_key).encrypt(nonce, chunk, header)
        expected += len(record).to_bytes(4, "big") + record
    assert _seal_fixed(STREAM_BIG_PLAINTEXT) == expected


# --- envelope ---------------------------------------------------------------------------
ENVELOPE_PRIVATE = b"\x01" + bytes(range(64)) + bytes(range(64, 96))
ENVELOPE_PUBLIC_SHA256 = "08fbad7966cc2cd0834976067ad492f84c9e316f9b1bb86bd1b688f6fc09b1a2"
ENVELOPE_CONTEXT = aead.associated_data("case", 1, "escrow")
ENVELOPE_WRAPPED = bytes.fromhex(
    "01a21634c9d0e27a0f4f25a6c3d0955c94189377be5dd97d09b8625d0b1fa5d92a41091261053f76ce97776e"
    "e86c8ca16fad6382120abad8982f9cd8c6128070f95fbf1e5c957a7cd635b368f50109fdf041e5bda29775a0"
    "c6a3b7de07fb70ebc3cda9fc24279d059489651daa0e9dbeac151fb494b287e308b809e082f51743861749b3"
    "315c9e180b9a36d972a50c8931a4058e3ec8073c3f1790f7cd8b31dd51e27317e6c9b9e94c16988ff041637a"
    "0560a6a1c408e2bbbedf7480505e3c98d55a95d11082dc571e58c3365b1f21be358a5900406051bdd7a890b4"
    "1aa58eb011ceacf67bee2cdfc2794da84d5cb7115d20f860326ea6aa27a0b8d6e73aea590e4d88e54740bd14"
    "7bf8d1253c7d0c4abfdd5d17536db73ce04b97c6ff8b11011c78cf48a1b91dd32c556a2b4e88df6aa0e2eea1"
    "736954a21123b3f4b59e1bacc9b6681fc395d4b11ead725cecddbbfe05ae9586e8401753ed15acf111ab346a"
    "a5ac644d5e6bf4d08c36fc0f8fef3d2e744922bded11a9f15bcda091103e17897ee571140f1384bf7c532b76"
    "3f8cefe11bbfb0ec22409f13a3b5c88b11cabebcece744123d378b5e2d7172fe05594f38f07cce48cfd74de2"
    "fa329336f9693b9a67b7ef1a926a7d8474655b108a270361807225fd321ddaee0d6d5d09ad5847a4cec1201c"
    "0e8d7ba0acc55738efc4a40f1123c02764dcb171508df2b973f2b222c252e3d9cffe1ecc4049b03b6ac95ecf"
    "b9e10f2f3e9c0fbf71576553556a15805cff305fdc8eab32137b2c0be71e79c5d63ed34c639773ec746d328f"
    "c1ba101bb84ef21959a665c9195eb5174988f77350e9008fb95cd2a3703541338a3354d22d15240fc1960163"
    "545c4c5ae5b83de7f9df4090a80a9e4a6a87df417661c853ef699e03b32d23c3bdc1e9c0cf0500dda0c3edb4"
    "63ccc04b43df2aa8504d2b99cf9f89a3d29791170665e7cba52c6b969fd937a36c0c9c8199dc0d4b75f6aaec"
    "e8a842a2405fd6bb2189139af4227188549c09f1b0e20a981b6d66defd40d5bc86a2da8ef1bcec3cc5dda3b2"
    "c803d683e717495207ecaa3cf5b78f499ab61f4638f2bd463eae7d7eefec2bded0fe002dc2434dc91183beb9"
    "2b180dc79e6f880b5b4e6af582d51e081dd09476987d34e82d05deafb150f7a3ed4fff9c6b611b2a1d62c73c"
    "750d7d179816c810cb9356ef42b675c502d9a0a4f6927de582b6297e5f3c9732ae02eb46f7aad349a6caef3f"
    "e36c94d8b7a60d3afce489722fffed8b649e3afc6eec3106336e2a80080e97bb9e02ff925ee21e29efefcdae"
    "aaca37258ef569d100d414ab24bc3609e54594b727fb4ccba55d5551e6e2df6f63772381908c860f53ce72b1"
    "f08e31d23dce2d6cb1f5e8048911b05174f742b22e2b500acf6fe9d5edd75d669264ae67c19cd8b4963e6efd"
    "b97a70ac2695a682dcd63d8a7733ff3fa7a3d746e1f48be54a107771d22421de6a9eebba692a766a8ff03e2a"
    "d37c502ad128724b42fe47aa253784fa2f17b4a54ec2e96d4e0f383cf29040128b4bef3cae61fa3aa881efff"
    "e499c4edcc8284c26d731d4a0c87c616bd4cb2f46036a26f7ba31312d7539946fe7dc9e6b318663529ce79c6"
    "161f7bebba60d034f04250ef93a355f7d4c470549e0c710831"
)


def test_envelope_vector() -> None:
    public = envelope.public_key_from_private(ENVELOPE_PRIVATE)
    assert hashlib.sha256(public).hexdigest() == ENVELOPE_PUBLIC_SHA256
    assert envelope.recipient_key_id(public) == "08fbad7966cc2cd0"
    assert envelope.unwrap_data_key(
        ENVELOPE_WRAPPED, ENVELOPE_PRIVATE, context=ENVELOPE_CONTEXT
    ) == (KEY)


# --- kdf --------------------------------------------------------------------------------
SECRET_SEALED = bytes.fromhex(
    "0101000000010000000801a638052d281168eef8cec1c8952f762f010a7cc628acb1c3c22c6882a4e98013e2"
    "ca0e5442e89f7a30533bf02169439036a504d66278b8de8e6adf175662f2f4"
)


def test_argon2id_reference_vectors() -> None:
    """Reference: phc-winner-argon2 src/test.c, Argon2id v=0x13, m=256 KiB (cheap)."""
    for parallelism, expected in (
        (1, "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe"),
        (2, "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037"),
    ):
        params = kdf.Argon2Params(time_cost=2, memory_kib=256, parallelism=parallelism)
        assert kdf.derive_key(b"password", b"somesalt", params).hex() == expected
    reference_phc = (
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
    )
    assert kdf.verify_password(reference_phc, "password")


def test_kdf_vectors() -> None:
    key = kdf.derive_key(b"correct horse battery staple", b"gratify-salt-16b", kdf.FAST_TEST_PARAMS)
    assert key.hex() == "491faea151974ef48a3bf17c001ffdb0b1b3263c26956b914d425cb259d6f5a6"
    assert kdf.DEFAULT_PARAMS.encode().hex() == "01000000030001000001"
    assert kdf.FAST_TEST_PARAMS.encode().hex() == "01000000010000000801"
    opened = kdf.open_under_secret(
        b"correct horse battery staple", SECRET_SEALED, context=b"handler:7"
    )
    assert opened == b"handler private key"
    phc = (
        "$argon2id$v=19$m=8,t=1,p=1$R4XSriEAsEFNAW6uCcOzIw"
        "$zAl7PqyeUbAdxBwPx3wAPXXMDkOoAQ7Oa98ku6l6NhU"
    )
    assert kdf.verify_password(phc, "correct horse battery staple")


# --- sign -------------------------------------------------------------------------------
ED25519_PRIVATE = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def test_ed25519_reference_vector() -> None:
    """Reference: RFC 8032 section 7.1, TEST 1 (empty message)."""
    key = sign.SigningKey.from_private_bytes(ED25519_PRIVATE)
    assert key.public_bytes.hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert key.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert key.key_id == "21fe31dfa154a261"


def test_signed_document_vector() -> None:
    key = sign.SigningKey.from_private_bytes(ED25519_PRIVATE)
    doc = {"case": "GRT-2024-0042", "filed": "2024-03-05", "digest": "abababab", "value_bracket": 2}
    signed = sign.sign_document(doc, key)
    assert signed == {
        **doc,
        "key_id": "21fe31dfa154a261",
        "signature": (
            "6sUEADrUBf7Yzdp-mbNhrY5EvtqbxJNEztA54pt_uCPNW02uCFC_42q39NEbiCs4mMNJbNVzwVezu-dYea4ZAw"
        ),
    }
    assert sign.canonical_json({k: v for k, v in signed.items() if k != "signature"}) == (
        b'{"case":"GRT-2024-0042","digest":"abababab","filed":"2024-03-05",'
        b'"key_id":"21fe31dfa154a261","value_bracket":2}'
    )
    assert sign.verify_document(signed, {key.key_id: key.public_bytes})


# --- receipt ----------------------------------------------------------------------------


def test_receipt_vectors() -> None:
    assert receipt.check_character("0" * 23) == "0"
    assert receipt.check_character("7QD3K0ZPW4M82XJT9HCNEB6") == "7"
    parsed = receipt.parse_receipt("7qd3 k0zp w4m8 2xjt 9hcn eb67")
    assert parsed == receipt.Receipt(lookup="7QD3K0ZP", secret="W4M82XJT9HCNEB6")
    assert parsed.formatted == "7QD3-K0ZP-W4M8-2XJT-9HCN-EB67"
    assert parsed.secret_bytes.hex() == "0709440bb2d262cab966"
