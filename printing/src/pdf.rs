//! How many pages a PDF has, read before it is sent, so the station's page cap holds.
//!
//! The page tree's root (`/Type /Pages`) says how many pages the document has in `/Count`; every
//! other `/Pages` node counts a part of it, so the largest count is the document's. The tree may
//! sit in plain objects or, since PDF 1.5, in compressed object streams (`/Type /ObjStm`, Flate):
//! both are read. Strings and other streams are skipped without being interpreted.

use std::io::Read;

/// Why a document's pages could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The bytes are not a PDF file.
    #[error("not a PDF document (it does not start with %PDF-)")]
    NotPdf,
    /// A PDF whose page tree could not be found (damaged, or encrypted object streams).
    #[error("the PDF's page tree cannot be read (damaged or encrypted document)")]
    NoPageTree,
}

/// The number of pages of a PDF document.
///
/// ```
/// let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>\nendobj\n";
/// assert_eq!(printing::pdf::page_count(pdf), Ok(2));
/// ```
pub fn page_count(pdf: &[u8]) -> Result<u32, PdfError> {
    let header = &pdf[..pdf.len().min(1024)];
    if find(header, b"%PDF-").is_none() {
        return Err(PdfError::NotPdf);
    }
    let mut scan = Scan::default();
    scan.objects(pdf, 0);
    scan.largest_count.filter(|count| *count > 0).ok_or(PdfError::NoPageTree)
}

/// What the scan found so far.
#[derive(Default)]
struct Scan {
    largest_count: Option<u32>,
}

/// A direct value of a dictionary entry, as far as the page count needs it.
enum Value<'a> {
    Name(&'a [u8]),
    Integer(u32),
    Other,
}

/// Object streams inside object streams are not allowed by the format; this stops a crafted file.
const MAX_NESTING: u8 = 2;

impl Scan {
    /// Reads every top-level dictionary of `bytes` (a file, or an object stream's content).
    fn objects(&mut self, bytes: &[u8], nesting: u8) {
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'(' => at = skip_string(bytes, at),
                b'<' if bytes.get(at + 1) == Some(&b'<') => {
                    let (end, entries) = self.dictionary(bytes, at + 2);
                    at = self.after_dictionary(bytes, end, &entries, nesting);
                }
                b'%' => at = skip_line(bytes, at),
                _ => at += 1,
            }
        }
    }

    /// Parses a dictionary whose `<<` ends just before `at`; returns where it ends and its direct
    /// entries. Nested dictionaries are scanned for page trees too.
    fn dictionary<'a>(&mut self, bytes: &'a [u8], mut at: usize) -> (usize, Vec<(&'a [u8], Value<'a>)>) {
        let mut entries = Vec::new();
        let mut key: Option<&[u8]> = None;
        while at < bytes.len() {
            let byte = bytes[at];
            if byte.is_ascii_whitespace() {
                at += 1;
                continue;
            }
            let (value, next) = match byte {
                b'>' if bytes.get(at + 1) == Some(&b'>') => {
                    self.note(&entries);
                    return (at + 2, entries);
                }
                b'/' => {
                    let end = name_end(bytes, at + 1);
                    (Value::Name(&bytes[at + 1..end]), end)
                }
                b'<' if bytes.get(at + 1) == Some(&b'<') => {
                    let (end, _) = self.dictionary(bytes, at + 2);
                    (Value::Other, end)
                }
                b'(' => (Value::Other, skip_string(bytes, at)),
                b'[' => (Value::Other, self.array(bytes, at + 1)),
                b'%' => {
                    at = skip_line(bytes, at);
                    continue;
                }
                b'0'..=b'9' => {
                    let end =
                        bytes[at..].iter().position(|b| !b.is_ascii_digit()).map_or(bytes.len(), |n| at + n);
                    let number = std::str::from_utf8(&bytes[at..end]).ok().and_then(|n| n.parse().ok());
                    // `5 0 R` is a reference, not the number 5.
                    let reference = is_reference(&bytes[end..]);
                    match number {
                        Some(number) if !reference => (Value::Integer(number), end),
                        _ => (Value::Other, if reference { skip_reference(bytes, end) } else { end }),
                    }
                }
                _ => {
                    let end = bytes[at..]
                        .iter()
                        .position(|b| b.is_ascii_whitespace() || b"/<>[]()%".contains(b))
                        .map_or(bytes.len(), |n| at + n.max(1));
                    (Value::Other, end)
                }
            };
            match (key.take(), value) {
                (Some(name), value) => entries.push((name, value)),
                (None, Value::Name(name)) => key = Some(name),
                // A value without a key: not well formed; keep scanning from here.
                (None, _) => {}
            }
            at = next;
        }
        self.note(&entries);
        (at, entries)
    }

    /// Skips an array, scanning the dictionaries inside it.
    fn array(&mut self, bytes: &[u8], mut at: usize) -> usize {
        while at < bytes.len() {
            match bytes[at] {
                b']' => return at + 1,
                b'[' => at = self.array(bytes, at + 1),
                b'(' => at = skip_string(bytes, at),
                b'<' if bytes.get(at + 1) == Some(&b'<') => at = self.dictionary(bytes, at + 2).0,
                _ => at += 1,
            }
        }
        at
    }

    /// Remembers a page tree node's count.
    fn note(&mut self, entries: &[(&[u8], Value<'_>)]) {
        let pages =
            entries.iter().any(|(key, value)| *key == b"Type" && matches!(value, Value::Name(b"Pages")));
        let count = entries.iter().find_map(|(key, value)| match value {
            Value::Integer(count) if *key == b"Count" => Some(*count),
            _ => None,
        });
        if let (true, Some(count)) = (pages, count) {
            self.largest_count = Some(self.largest_count.map_or(count, |largest| largest.max(count)));
        }
    }

    /// Skips the stream that may follow a dictionary; reads it when it is a compressed object
    /// stream.
    fn after_dictionary(
        &mut self,
        bytes: &[u8],
        end: usize,
        entries: &[(&[u8], Value<'_>)],
        nesting: u8,
    ) -> usize {
        let mut at = end;
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if !bytes[at..].starts_with(b"stream") {
            return end;
        }
        let mut start = at + b"stream".len();
        if bytes[start..].starts_with(b"\r\n") {
            start += 2;
        } else if bytes[start..].starts_with(b"\n") {
            start += 1;
        }
        let length = entries.iter().find_map(|(key, value)| match value {
            Value::Integer(length) if *key == b"Length" => Some(*length as usize),
            _ => None,
        });
        // Trust /Length when `endstream` follows it; otherwise look for `endstream`.
        let data_end = match length {
            Some(length)
                if start + length <= bytes.len()
                    && find(&bytes[start + length..(start + length + 32).min(bytes.len())], b"endstream")
                        .is_some() =>
            {
                start + length
            }
            _ => match find(&bytes[start..], b"endstream") {
                Some(offset) => start + offset,
                None => return bytes.len(),
            },
        };
        let name = |wanted: &[u8]| {
            entries.iter().any(|(_, value)| matches!(value, Value::Name(name) if *name == wanted))
        };
        if nesting < MAX_NESTING && name(b"ObjStm") && name(b"FlateDecode") {
            let mut content = Vec::new();
            let inflated = flate2::read::ZlibDecoder::new(&bytes[start..data_end])
                .take(64 * 1024 * 1024)
                .read_to_end(&mut content);
            if inflated.is_ok() {
                self.objects(&content, nesting + 1);
            }
        }
        data_end + b"endstream".len()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn name_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || b"/<>[]()%{}".contains(b))
        .map_or(bytes.len(), |n| from + n)
}

/// `0 R` (after a first number) makes an indirect reference.
fn is_reference(rest: &[u8]) -> bool {
    let rest = trim_start(rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && trim_start(&rest[digits..]).first() == Some(&b'R')
}

fn skip_reference(bytes: &[u8], from: usize) -> usize {
    find(&bytes[from..], b"R").map_or(bytes.len(), |n| from + n + 1)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let spaces = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[spaces..]
}

/// Skips a literal string `( … )`, with nested parentheses and escapes.
fn skip_string(bytes: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|b| *b == b'\n' || *b == b'\r').map_or(bytes.len(), |n| from + n + 1)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_root_of_the_page_tree_gives_the_count() {
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
            2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 7 >> endobj\n\
            3 0 obj << /Type/Pages/Parent 2 0 R/Kids [5 0 R]/Count 4 >> endobj\n\
            5 0 obj << /Type /Page /Contents 6 0 R >> endobj\n\
            6 0 obj << /Length 30 >> stream\n(/Type /Pages /Count 99) Tj\nendstream endobj\n%%EOF";
        assert_eq!(page_count(pdf), Ok(7));
    }

    #[test]
    fn a_count_given_by_reference_or_inside_a_string_is_not_taken() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Title (/Type /Pages /Count 50) /Type /Pages /Count 3 >> endobj\n\
            2 0 obj << /Type /Pages /Count 9 0 R >> endobj";
        assert_eq!(page_count(pdf), Ok(3));
    }

    #[test]
    fn a_page_tree_in_a_compressed_object_stream_is_read() {
        let objects = b"2 0 4 60 << /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 >> << /Type /Page >>";
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(objects).unwrap();
        let compressed = encoder.finish().unwrap();
        let mut pdf = b"%PDF-1.5\n7 0 obj\n".to_vec();
        pdf.extend_from_slice(
            format!(
                "<< /Type /ObjStm /N 2 /First 8 /Filter /FlateDecode /Length {} >>\nstream\n",
                compressed.len()
            )
            .as_bytes(),
        );
        pdf.extend_from_slice(&compressed);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        assert_eq!(page_count(&pdf), Ok(2));
    }

    #[test]
    fn other_files_are_named_for_what_they_are() {
        assert_eq!(page_count(b"\x89PNG\r\n"), Err(PdfError::NotPdf));
        assert_eq!(page_count(b"%PDF-1.4\n%%EOF"), Err(PdfError::NoPageTree));
        assert_eq!(page_count(b"%PDF-1.4\n<< /Type /Pages /Count"), Err(PdfError::NoPageTree));
    }
}
