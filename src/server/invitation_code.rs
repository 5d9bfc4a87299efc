//! Invitation codes: 160 random bits, written as 40 hex digits, shown once; the store keeps
//! their SHA-256 and first characters (`Invitation::PREFIX_LEN`). The codes are random
//! enough that the hash needs no salt or stretching: nobody can guess one to test it.

use sha2::{Digest, Sha256};

use crate::domain::Invitation;

/// A fresh code, and its (prefix, hash) as the store keeps them.
pub fn generate() -> Result<(String, (String, String)), getrandom::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    let code = hex::encode(bytes);
    let kept = (code[..Invitation::PREFIX_LEN].to_owned(), hash(&code));
    Ok((code, kept))
}

/// What the store looks a code up by. Letters are taken in either case, as someone may type
/// a code from paper.
pub fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().to_ascii_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_found_by_their_hash_in_either_case() {
        let (code, (prefix, hashed)) = generate().unwrap();
        assert_eq!(code.len(), 40);
        assert!(code.starts_with(&prefix));
        assert_eq!(hash(&code.to_uppercase()), hashed);
        assert_ne!(generate().unwrap().0, code);
        assert_eq!(hashed.len(), 64);
    }
}
