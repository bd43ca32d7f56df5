//! The volunteer PIN: it marks a session as accompanied and gives it more time.
//!
//! Only an argon2id hash of the PIN is kept in the kiosk configuration; `kiosk volunteer hash-pin`
//! makes one from a PIN typed on standard input.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Accepted PIN lengths (digits only).
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Checks that a PIN is 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), String> {
    if !PIN_DIGITS.contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        let (low, high) = (PIN_DIGITS.start(), PIN_DIGITS.end());
        return Err(format!("a volunteer PIN is {low} to {high} digits"));
    }
    Ok(())
}

/// Hashes a PIN into the PHC string to put in `volunteer_pin_hash`.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    check_pin(pin)?;
    Argon2::default().hash_password(pin.as_bytes()).map(|hash| hash.to_string()).map_err(|e| e.to_string())
}

/// Whether `pin` matches the stored hash. A malformed hash matches nothing.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_pin_matches_its_hash() {
        let hash = hash_pin("2468").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("2468"));
        assert!(verify_pin("2468", &hash));
        assert!(!verify_pin("2469", &hash));
        assert!(!verify_pin("", &hash));
        assert!(!verify_pin("2468", "not a hash"));
    }

    #[test]
    fn pins_are_short_digit_strings() {
        assert!(hash_pin("12").is_err());
        assert!(hash_pin("12ab").is_err());
        assert!(hash_pin("123456789").is_err());
    }
}
