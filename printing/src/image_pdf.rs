//! A scanned page (JPEG) as a one-page PDF, so scans print, and upload, like any document. The
//! JPEG is embedded as it is (`/DCTDecode`): no re-encoding, no quality lost; the page has the
//! size of the scanned area, from the resolution the JPEG records.

/// Why an image could not be made into a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Not a baseline or progressive JPEG with a frame header.
    #[error("not a JPEG image (no JPEG frame header found)")]
    NotJpeg,
}

/// What the PDF needs to know of the JPEG.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    width: u32,
    height: u32,
    components: u8,
    /// Dots per inch, when the JPEG says (JFIF density).
    dpi: Option<(f64, f64)>,
}

/// Resolution assumed when the JPEG does not record one.
const DEFAULT_DPI: f64 = 150.0;

fn frame(jpeg: &[u8]) -> Result<Frame, ImageError> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err(ImageError::NotJpeg);
    }
    let mut dpi = None;
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        if jpeg[at] != 0xFF {
            return Err(ImageError::NotJpeg);
        }
        let marker = jpeg[at + 1];
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let segment = jpeg.get(at + 4..at + 2 + length).ok_or(ImageError::NotJpeg)?;
        match marker {
            // APP0 JFIF: units (1 = per inch, 2 = per cm), x and y density.
            0xE0 if segment.starts_with(b"JFIF\0") && segment.len() >= 12 => {
                let x = f64::from(u16::from_be_bytes([segment[8], segment[9]]));
                let y = f64::from(u16::from_be_bytes([segment[10], segment[11]]));
                dpi = match segment[7] {
                    1 if x > 0.0 && y > 0.0 => Some((x, y)),
                    2 if x > 0.0 && y > 0.0 => Some((x * 2.54, y * 2.54)),
                    _ => None,
                };
            }
            // Start of frame (baseline, extended, progressive): precision, height, width, components.
            0xC0..=0xC2 if segment.len() >= 6 => {
                let height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                if width == 0 || height == 0 {
                    return Err(ImageError::NotJpeg);
                }
                return Ok(Frame { width, height, components: segment[5], dpi });
            }
            _ => {}
        }
        at += 2 + length;
    }
    Err(ImageError::NotJpeg)
}

/// A one-page PDF showing the JPEG at its scanned size.
pub fn jpeg_to_pdf(jpeg: &[u8]) -> Result<Vec<u8>, ImageError> {
    let frame = frame(jpeg)?;
    let (dpi_x, dpi_y) = frame.dpi.unwrap_or((DEFAULT_DPI, DEFAULT_DPI));
    let width = f64::from(frame.width) * 72.0 / dpi_x;
    let height = f64::from(frame.height) * 72.0 / dpi_y;
    let colour_space = match frame.components {
        1 => "/DeviceGray",
        4 => "/DeviceCMYK",
        _ => "/DeviceRGB",
    };
    let content = format!("q {width:.2} 0 0 {height:.2} 0 0 cm /Scan Do Q");
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |out: &mut Vec<u8>, head: String, stream: Option<&[u8]>| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{head}\n", offsets.len()).as_bytes());
        if let Some(stream) = stream {
            out.extend_from_slice(b"stream\n");
            out.extend_from_slice(stream);
            out.extend_from_slice(b"\nendstream\n");
        }
        out.extend_from_slice(b"endobj\n");
    };
    object(&mut out, "<< /Type /Catalog /Pages 2 0 R >>".into(), None);
    object(&mut out, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(), None);
    object(
        &mut out,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2} {height:.2}] \
             /Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>"
        ),
        None,
    );
    let decode = if frame.components == 4 { " /Decode [1 0 1 0 1 0 1 0]" } else { "" };
    object(
        &mut out,
        format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {colour_space} \
             /BitsPerComponent 8 /Filter /DCTDecode{decode} /Length {} >>",
            frame.width,
            frame.height,
            jpeg.len()
        ),
        Some(jpeg),
    );
    object(&mut out, format!("<< /Length {} >>", content.len()), Some(content.as_bytes()));
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for offset in &offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1)
            .as_bytes(),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headers of a 472×590 colour JPEG at 150 dpi, as `scanimage` writes them.
    fn jpeg_headers(units: u8, density: u16) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpeg.extend_from_slice(b"JFIF\0\x01\x01");
        jpeg.push(units);
        jpeg.extend_from_slice(&density.to_be_bytes());
        jpeg.extend_from_slice(&density.to_be_bytes());
        jpeg.extend_from_slice(&[0, 0]);
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x4E, 0x01, 0xD8, 0x03]);
        jpeg.extend_from_slice(&[0; 9]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    #[test]
    fn the_page_has_the_size_of_the_scanned_area() {
        let pdf = jpeg_to_pdf(&jpeg_headers(1, 150)).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        // 472 px at 150 dpi = 3.147 in = 226.56 pt.
        assert!(text.contains("/MediaBox [0 0 226.56 283.20]"), "{text}");
        assert!(text.contains("/Width 472 /Height 590 /ColorSpace /DeviceRGB"), "{text}");
        assert_eq!(crate::pdf::page_count(&pdf), Ok(1));
        let per_cm = String::from_utf8_lossy(&jpeg_to_pdf(&jpeg_headers(2, 59)).unwrap()).into_owned();
        assert!(per_cm.contains("/MediaBox [0 0 226.77 283.46]"), "{per_cm}");
    }

    #[test]
    fn other_files_are_refused() {
        assert_eq!(jpeg_to_pdf(b"%PDF-1.4"), Err(ImageError::NotJpeg));
        assert_eq!(jpeg_to_pdf(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]), Err(ImageError::NotJpeg));
    }
}
