//! Reading an uploaded file row by row without holding it in memory: CSV (delimiter `,` `;`
//! or tab, detected; UTF-8 with or without a BOM, else Windows-1252; quoted fields with
//! embedded newlines) with the `csv` crate, `.xlsx` with calamine's streaming cell reader.
//! Blocking: run it on a blocking thread.

use calamine::{DataRef, Reader, Xlsx};
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;

/// How to read a file, found by [`sniff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Csv { delimiter: u8, utf8: bool },
    Xlsx { sheet: String },
}

/// What the mapping step needs to know about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    pub format: Format,
    /// The workbook's sheets (empty for CSV).
    pub sheets: Vec<String>,
    /// The first non-empty row.
    pub headers: Vec<String>,
}

/// Why a file cannot be imported, in words for the person who chose it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file has a header row but no customers under it.")]
    HeadersOnly,
    #[error("This is not a CSV or Excel (.xlsx) file. Save it from your spreadsheet as CSV or .xlsx and try again.")]
    NotTabular,
    #[error("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV and try again.")]
    OldExcel,
    #[error("The workbook has no sheet named \"{0}\".")]
    NoSuchSheet(String),
    #[error("The file could not be read near row {row}: {reason}")]
    Broken { row: u64, reason: String },
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Looks at a file: its format (and for a workbook, its sheets; `sheet` picks one, else the
/// first), and its header row.
pub fn sniff(path: &Path, sheet: Option<&str>) -> Result<Sniffed, ReadError> {
    let head = read_head(path, 64 * 1024)?;
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if head.starts_with(ZIP_MAGIC) {
        let book = open_xlsx(path)?;
        let sheets = book.sheet_names();
        let sheet = match sheet {
            Some(s) if sheets.iter().any(|n| n == s) => s.to_string(),
            Some(s) => return Err(ReadError::NoSuchSheet(s.to_string())),
            None => sheets.first().cloned().ok_or(ReadError::Empty)?,
        };
        drop(book);
        let format = Format::Xlsx { sheet };
        let headers = first_row(path, &format)?;
        return Ok(Sniffed {
            format,
            sheets,
            headers,
        });
    }
    if head.starts_with(OLE_MAGIC) {
        return Err(ReadError::OldExcel);
    }
    // Text has no NUL bytes (UTF-16 files do, and are not supported: Excel's "CSV UTF-8" and
    // "CSV" are UTF-8 and Windows-1252).
    if head.contains(&0) {
        return Err(ReadError::NotTabular);
    }
    let utf8 = is_utf8(path)?;
    let text = decode(&head, utf8);
    let delimiter = detect_delimiter(&text);
    let format = Format::Csv { delimiter, utf8 };
    let headers = first_row(path, &format)?;
    Ok(Sniffed {
        format,
        sheets: Vec::new(),
        headers,
    })
}

/// The header row: the first row with anything in it.
fn first_row(path: &Path, format: &Format) -> Result<Vec<String>, ReadError> {
    let mut headers = None;
    each_record(path, format, |_, row| {
        headers = Some(row);
        ControlFlow::Break(())
    })?;
    headers.ok_or(ReadError::Empty)
}

/// Calls `f` with each data row (the rows after the header row; empty rows skipped) and its
/// number in the file (1 = the header row), padded or cut to the header's width, until `f`
/// breaks. Errs if there is no data row at all.
pub fn for_each_row(
    path: &Path,
    format: &Format,
    mut f: impl FnMut(u64, Vec<String>) -> ControlFlow<()>,
) -> Result<(), ReadError> {
    let mut width = None;
    let mut rows = 0u64;
    each_record(path, format, |line, mut row| match width {
        None => {
            width = Some(row.len());
            ControlFlow::Continue(())
        }
        Some(w) => {
            rows += 1;
            row.resize(w, String::new());
            f(line, row)
        }
    })?;
    match (width, rows) {
        (None, _) => Err(ReadError::Empty),
        (Some(_), 0) => Err(ReadError::HeadersOnly),
        _ => Ok(()),
    }
}

/// Every non-empty row of the file, header included, with its number in the file.
fn each_record(
    path: &Path,
    format: &Format,
    mut f: impl FnMut(u64, Vec<String>) -> ControlFlow<()>,
) -> Result<(), ReadError> {
    let mut emit = |line: u64, row: Vec<String>| {
        if row.iter().all(|c| c.trim().is_empty()) {
            ControlFlow::Continue(())
        } else {
            f(line, row)
        }
    };
    match format {
        Format::Csv { delimiter, utf8 } => {
            let file = open(path)?;
            let encoding = (!utf8).then_some(encoding_rs::WINDOWS_1252);
            // Strips a UTF-8 BOM; decodes Windows-1252 to UTF-8 as it reads.
            let text = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(encoding)
                .bom_sniffing(true)
                .build(BufReader::with_capacity(256 * 1024, file));
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(*delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(text);
            let mut record = csv::StringRecord::new();
            loop {
                let line = reader.position().line();
                match reader.read_record(&mut record) {
                    Ok(false) => return Ok(()),
                    Ok(true) => {
                        let row = record.iter().map(String::from).collect();
                        if emit(line, row).is_break() {
                            return Ok(());
                        }
                    }
                    Err(e) => {
                        return Err(ReadError::Broken {
                            row: e.position().map_or(line, |p| p.line()),
                            reason: csv_reason(&e),
                        })
                    }
                }
            }
        }
        Format::Xlsx { sheet } => {
            let mut book = open_xlsx(path)?;
            let mut cells = book
                .worksheet_cells_reader(sheet)
                .map_err(|_| ReadError::NoSuchSheet(sheet.clone()))?;
            let mut row: Vec<String> = Vec::new();
            let mut current: Option<u32> = None;
            loop {
                let cell = cells.next_cell().map_err(|e| ReadError::Broken {
                    row: current.map_or(1, |r| r as u64 + 1),
                    reason: format!("the workbook is damaged ({e})"),
                })?;
                let Some(cell) = cell else { break };
                let (r, c) = cell.get_position();
                if current != Some(r) {
                    if let Some(prev) = current {
                        if emit(prev as u64 + 1, std::mem::take(&mut row)).is_break() {
                            return Ok(());
                        }
                    }
                    current = Some(r);
                }
                let c = c as usize;
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                row[c] = cell_text(cell.get_value());
            }
            if let Some(prev) = current {
                let _ = emit(prev as u64 + 1, row);
            }
            Ok(())
        }
    }
}

/// A cell as the text a person sees: dates as ISO dates (with the time if it has one),
/// whole numbers without `.0`, formulas' cached results.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "a character that is not valid text".into(),
        csv::ErrorKind::Io(_) => "the file could not be read".into(),
        _ => "the row is malformed".into(),
    }
}

fn open(path: &Path) -> Result<std::fs::File, ReadError> {
    std::fs::File::open(path).map_err(|_| ReadError::Broken {
        row: 0,
        reason: "the uploaded file is gone".into(),
    })
}

fn open_xlsx(path: &Path) -> Result<Xlsx<BufReader<std::fs::File>>, ReadError> {
    let file = BufReader::new(open(path)?);
    Xlsx::new(file).map_err(|_| ReadError::NotTabular)
}

fn read_head(path: &Path, n: usize) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::with_capacity(n);
    open(path)?
        .take(n as u64)
        .read_to_end(&mut head)
        .map_err(|_| ReadError::Broken {
            row: 0,
            reason: "the file could not be read".into(),
        })?;
    Ok(head)
}

/// Whether the whole file is valid UTF-8 (read in chunks; a character may span two).
fn is_utf8(path: &Path) -> Result<bool, ReadError> {
    let mut file = open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0usize;
    loop {
        let n = file
            .read(&mut buf[carry..])
            .map_err(|_| ReadError::Broken {
                row: 0,
                reason: "the file could not be read".into(),
            })?;
        let end = carry + n;
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carry = 0,
            // A character cut at the end of the chunk: keep its bytes for the next read.
            Err(e) if e.error_len().is_none() && n > 0 => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..end, 0);
                carry = end - valid;
            }
            Err(_) => return Ok(false),
        }
        if n == 0 {
            return Ok(carry == 0);
        }
    }
}

fn decode(bytes: &[u8], utf8: bool) -> String {
    if utf8 {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned()
    }
}

/// The delimiter among `,` `;` tab that splits the first rows into the same number (more
/// than one) of fields most consistently, quotes respected; `,` when none does.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let widths: Vec<usize> = reader
            .records()
            .take(20)
            .map_while(Result::ok)
            .map(|r| r.len())
            .collect();
        // The last row of a cut-off sample may be partial.
        let sample = if widths.len() > 2 {
            &widths[..widths.len() - 1]
        } else {
            &widths[..]
        };
        let Some(&first) = sample.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let agreeing = sample.iter().filter(|w| **w == first).count();
        if (agreeing, first) > (best.1, best.2) {
            best = (delimiter, agreeing, first);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn rows(bytes: &[u8]) -> Result<(Sniffed, Vec<Vec<String>>), ReadError> {
        let f = file(bytes);
        let sniffed = sniff(f.path(), None)?;
        let mut out = Vec::new();
        for_each_row(f.path(), &sniffed.format, |_, r| {
            out.push(r);
            ControlFlow::Continue(())
        })?;
        Ok((sniffed, out))
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(
            detect_delimiter("name;note\n\"Cruz, Ana\";\"x, y\"\n"),
            b';'
        );
        assert_eq!(detect_delimiter("\"a,b\";c\n\"1,2\";3\n"), b';');
    }

    #[test]
    fn utf8_with_a_bom_and_quoted_newlines() {
        let (s, r) =
            rows("\u{feff}First name,Street\n\"Zoë\",\"1 Main St\nApt 2\"\n".as_bytes()).unwrap();
        assert_eq!(
            s.format,
            Format::Csv {
                delimiter: b',',
                utf8: true
            }
        );
        assert_eq!(s.headers, vec!["First name", "Street"]);
        assert_eq!(
            r,
            vec![vec!["Zoë".to_string(), "1 Main St\nApt 2".to_string()]]
        );
    }

    #[test]
    fn windows_1252_is_the_fallback() {
        // "Müller;Café" in Windows-1252: ü = 0xFC, é = 0xE9.
        let (s, r) = rows(b"Last name;City\nM\xFCller;Caf\xE9\n").unwrap();
        assert_eq!(
            s.format,
            Format::Csv {
                delimiter: b';',
                utf8: false
            }
        );
        assert_eq!(r, vec![vec!["Müller".to_string(), "Café".to_string()]]);
    }

    #[test]
    fn ragged_rows_are_padded_and_empty_rows_skipped() {
        let (_, r) = rows(b"a,b,c\n1,2\n,,\n\n4,5,6,7\n").unwrap();
        assert_eq!(r, vec![vec!["1", "2", ""], vec!["4", "5", "6"]]);
    }

    #[test]
    fn files_that_cannot_be_imported_say_why() {
        assert_eq!(rows(b"").unwrap_err(), ReadError::Empty);
        assert_eq!(rows(b"\n \n").unwrap_err(), ReadError::Empty);
        assert_eq!(
            rows(b"email,first name\n").unwrap_err(),
            ReadError::HeadersOnly
        );
        assert_eq!(
            rows(b"\x7fELF\x02\x01\x01\x00\x00\x00binary").unwrap_err(),
            ReadError::NotTabular
        );
        assert_eq!(
            rows(b"PK\x03\x04 not really a zip").unwrap_err(),
            ReadError::NotTabular
        );
        assert_eq!(
            rows(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]).unwrap_err(),
            ReadError::OldExcel
        );
    }

    #[test]
    fn xlsx_rows_dates_and_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Customers").unwrap();
        sheet.write_string(0, 0, "Email").unwrap();
        sheet.write_string(0, 1, "Birthday").unwrap();
        sheet.write_string(0, 2, "Zip").unwrap();
        sheet.write_string(1, 0, "a@example.com").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1990, 4, 3).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        sheet.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        sheet.write_number(1, 2, 1234.0).unwrap();
        sheet.write_string(3, 0, "b@example.com").unwrap();
        book.add_worksheet().set_name("Other").unwrap();
        book.save(&path).unwrap();
        let s = sniff(&path, None).unwrap();
        assert_eq!(s.sheets, vec!["Customers", "Other"]);
        assert_eq!(s.headers, vec!["Email", "Birthday", "Zip"]);
        let mut out = Vec::new();
        for_each_row(&path, &s.format, |line, r| {
            out.push((line, r));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(
            out,
            vec![
                (
                    2,
                    vec![
                        "a@example.com".to_string(),
                        "1990-04-03".into(),
                        "1234".into()
                    ]
                ),
                (4, vec!["b@example.com".to_string(), "".into(), "".into()]),
            ]
        );
        assert_eq!(
            sniff(&path, Some("Nope")).unwrap_err(),
            ReadError::NoSuchSheet("Nope".into())
        );
    }
}
