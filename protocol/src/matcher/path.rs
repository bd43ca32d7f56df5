//! Path normalisation shared by rules and the URLs they are matched against.
//!
//! The `url` crate already resolves dot-segments (including `%2e%2e`) and folds `\` into `/`; here
//! percent-escapes of unreserved characters are decoded and the others upper-cased, so that
//! `/%7Ea` and `/~a` compare equal while `%2F` stays an escaped byte and never a separator.

use std::borrow::Cow;

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Decodes percent-escapes of unreserved characters and upper-cases the remaining escapes.
/// Borrows when the path has no escape at all (the common case).
pub fn normalise(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex_value), bytes.get(i + 2).copied().and_then(hex_value))
        {
            let decoded = hi * 16 + lo;
            if is_unreserved(decoded) {
                out.push(decoded as char);
            } else {
                out.push('%');
                out.push(bytes[i + 1].to_ascii_uppercase() as char);
                out.push(bytes[i + 2].to_ascii_uppercase() as char);
            }
            i += 3;
            continue;
        }
        let ch_len = path[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&path[i..i + ch_len]);
        i += ch_len;
    }
    Cow::Owned(out)
}

/// Whether a normalised path could be read by a server as something other than what a prefix
/// comparison sees: an escaped `/` or `\`, or a `.`/`..` segment revealed by decoding.
pub fn is_ambiguous(normalised: &str) -> bool {
    normalised.contains("%2F")
        || normalised.contains("%5C")
        || normalised.split('/').any(|segment| segment == "." || segment == "..")
}

/// Whether `path` equals `prefix` or continues it with a new segment (`/a` covers `/a`, `/a/`,
/// `/a/b`, never `/ab`). `prefix` has no trailing slash.
pub fn under_prefix(prefix: &str, path: &str) -> bool {
    path.starts_with(prefix) && matches!(path.as_bytes().get(prefix.len()), None | Some(b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_escapes_are_decoded_others_upper_cased() {
        assert_eq!(normalise("/a%7eb/%41%2d"), "/a~b/A-");
        assert_eq!(normalise("/a%2fb%5c"), "/a%2Fb%5C");
        assert_eq!(normalise("/caf%C3%A9"), "/caf%C3%A9");
        assert_eq!(normalise("/100%"), "/100%");
        assert!(matches!(normalise("/plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn decoding_can_reveal_ambiguous_segments() {
        assert!(is_ambiguous(&normalise("/a%2Fb")));
        assert!(is_ambiguous(&normalise("/a/%2e%2e%2f")));
        assert!(!is_ambiguous(&normalise("/a/b.c/..d")));
    }

    #[test]
    fn prefixes_stop_at_segment_boundaries() {
        assert!(under_prefix("/a", "/a"));
        assert!(under_prefix("/a", "/a/"));
        assert!(under_prefix("/a", "/a/b"));
        assert!(!under_prefix("/a", "/ab"));
        assert!(!under_prefix("/a/b", "/a"));
    }
}
