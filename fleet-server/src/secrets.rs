//! Station tokens, enrolment codes and admin passwords: generated with the OS's randomness, stored
//! only as hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

/// A new station token: 256 random bits, hex-encoded.
pub fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// A new enrolment code people can type: 12 characters from an alphabet without look-alikes,
/// grouped by four (`K7F2-9QXM-4HTR`), about 60 bits.
pub fn new_enrolment_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = random_bytes::<12>();
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The stored form of a token or an enrolment code (codes compared without dashes or case).
pub fn digest(secret: &str) -> String {
    let normalised: String =
        secret.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

/// An argon2id hash of an admin password.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A valid argon2id hash no password matches, checked against when a user is unknown so that
/// an unknown name takes as long to refuse as a wrong password.
pub fn unusable_password_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password(&new_token()).expect("hashing a random password works"));
    &HASH
}

/// Compares two secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_codes_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let code = new_enrolment_code();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(digest(&code), digest(&code.to_lowercase().replace('-', "")), "codes are typed loosely");
        assert_ne!(digest(&code), digest(&new_enrolment_code()));
        assert!(!digest(&a).contains(&a));
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
    }
}
