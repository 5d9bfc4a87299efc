//! What the web pages sign — form tokens and the sign-in cookie — is sealed here: the
//! payload, then an HMAC-SHA256 of it, in unpadded URL-safe base64. Each use derives its
//! own key from the server's signing secret, so no sealed value can stand in for another
//! kind, nor for a JWT.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::token::SigningKey;

type HmacSha256 = Hmac<Sha256>;

const MAC: usize = 32;

/// Seals and opens values of one kind with a key derived for that `purpose`.
pub struct Signer {
    key: [u8; 32],
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer(***)")
    }
}

impl Signer {
    pub fn new(secret: &SigningKey, purpose: &[u8]) -> Self {
        let mut derive = hmac_with(secret.bytes());
        derive.update(purpose);
        Signer {
            key: derive.finalize().into_bytes().into(),
        }
    }

    /// `payload` and its MAC, which also covers `context`: a value the payload does not
    /// carry but the opener must know (who the form was shown to, say).
    pub fn seal(&self, payload: &[u8], context: &[u8]) -> String {
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&self.mac(payload, context));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The payload of a value this signer sealed with the same `context`; `None` for
    /// anything else. The MAC is checked in constant time: how much of a guess was right
    /// must not show in the timing.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        let mut bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let payload_len = bytes.len().checked_sub(MAC)?;
        let tag = bytes.split_off(payload_len);
        let mut mac = hmac_with(&self.key);
        mac.update(&bytes);
        mac.update(context);
        mac.verify_slice(&tag).ok()?;
        Some(bytes)
    }

    /// The length of a sealed `payload_len`-byte payload.
    pub const fn sealed_len(payload_len: usize) -> usize {
        let bytes = payload_len + MAC;
        bytes / 3 * 4 + [0, 2, 3][bytes % 3]
    }

    fn mac(&self, payload: &[u8], context: &[u8]) -> [u8; MAC] {
        let mut mac = hmac_with(&self.key);
        mac.update(payload);
        mac.update(context);
        mac.finalize().into_bytes().into()
    }
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn hmac_with(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// A big-endian i64 from `bytes` at `at`, as sealed payloads lay them out; `None` past the end.
pub fn i64_at(bytes: &[u8], at: usize) -> Option<i64> {
    let eight: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(i64::from_be_bytes(eight))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(byte: u8, purpose: &[u8]) -> Signer {
        Signer::new(&SigningKey::new(vec![byte; 32]), purpose)
    }

    #[test]
    fn a_sealed_value_opens_with_its_context_only() {
        let s = signer(1, b"a");
        let sealed = s.seal(b"payload", b"ctx");
        assert_eq!(sealed.len(), Signer::sealed_len(7));
        assert_eq!(s.open(&sealed, b"ctx").as_deref(), Some(&b"payload"[..]));
        assert_eq!(s.open(&sealed, b"other"), None);
        assert_eq!(s.open(&sealed, b""), None);
    }

    #[test]
    fn another_key_or_purpose_or_a_changed_byte_does_not_open() {
        let s = signer(1, b"a");
        let sealed = s.seal(b"payload", b"");
        assert_eq!(signer(2, b"a").open(&sealed, b""), None);
        assert_eq!(signer(1, b"b").open(&sealed, b""), None);
        for i in 0..sealed.len() {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            assert_eq!(s.open(&changed, b""), None, "byte {i}");
        }
        for junk in ["", "abc", "!!!!", &sealed[..sealed.len() - 1]] {
            assert_eq!(s.open(junk, b""), None, "{junk:?}");
        }
    }

    #[test]
    fn sealed_len_is_the_encoded_length_for_every_remainder() {
        let s = signer(1, b"a");
        for n in 0..7 {
            assert_eq!(s.seal(&vec![0; n], b"").len(), Signer::sealed_len(n), "{n}");
        }
    }

    #[test]
    fn i64_at_reads_big_endian_and_stops_at_the_end() {
        let bytes = [0, 0, 0, 0, 0, 0, 1, 2, 9];
        assert_eq!(i64_at(&bytes, 0), Some(258));
        assert_eq!(i64_at(&bytes, 2), None);
    }

    #[test]
    fn the_key_is_never_printed() {
        assert_eq!(format!("{:?}", signer(1, b"a")), "Signer(***)");
    }
}
