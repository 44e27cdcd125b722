//! The workbook: constant-memory worksheets written on a blocking thread from the rows the
//! export sends over a channel; a second sheet past Excel's row limit; the "Export info"
//! sheet; every value written as what it is.

use super::rows::ExportRow;
use crate::fmt::country_name_str as country_name;
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::io::{Seek, SeekFrom};
use tokio::sync::mpsc;

/// What the "Export info" sheet says besides the row count.
pub(super) struct Info {
    pub(super) by: String,
    pub(super) at: DateTime<Utc>,
    pub(super) lines: Vec<(String, String)>,
}

fn width(key: &str) -> f64 {
    match key {
        "id" | "status" => 10.0,
        "email" => 34.0,
        "labels" | "country" => 24.0,
        "birthday" => 12.0,
        "created" | "updated" | "last_access" => 17.0,
        _ => 18.0,
    }
}

struct Formats {
    bold: Format,
    date: Format,
    stamp: Format,
}

fn start_sheet(
    wb: &mut Workbook,
    n: usize,
    columns: &[(&'static str, &'static str)],
    f: &Formats,
) -> Result<usize, XlsxError> {
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name(if n == 0 {
        "Customers".to_string()
    } else {
        format!("Customers ({})", n + 1)
    })?;
    for (i, (key, header)) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, width(key))?;
        // Dates are written as plain numbers and take their column's format.
        match *key {
            "birthday" => {
                ws.set_column_format(i as u16, &f.date)?;
            }
            "created" | "updated" | "last_access" => {
                ws.set_column_format(i as u16, &f.stamp)?;
            }
            _ => {}
        }
        ws.write_string_with_format(0, i as u16, *header, &f.bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(n)
}

fn finish_sheet(ws: &mut Worksheet, last_row: u32, columns: usize) -> Result<(), XlsxError> {
    ws.autofilter(0, 0, last_row, columns as u16 - 1)?;
    Ok(())
}

/// Every value is written as what it is: text as text (never a formula, whatever it starts
/// with), dates and timestamps as date numbers in a date-formatted column, IDs and phone
/// numbers as text.
fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    key: &str,
    c: &ExportRow,
) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, s: &str| -> Result<(), XlsxError> {
        if !s.is_empty() {
            ws.write_string(row, col, s)?;
        }
        Ok(())
    };
    let date = |ws: &mut Worksheet, days: Option<f64>| -> Result<(), XlsxError> {
        if let Some(days) = days {
            ws.write_number(row, col, days)?;
        }
        Ok(())
    };
    match key {
        "id" => text(ws, itoa::Buffer::new().format(c.customer_id)),
        "first_name" => text(ws, &c.first_name),
        "last_name" => text(ws, &c.last_name),
        "email" => text(ws, &c.email),
        "contact" => text(ws, &c.phone),
        "birthday" => date(ws, c.birthday),
        "country" => text(ws, country_name(&c.country)),
        "labels" => match c.labels.as_slice() {
            [] => Ok(()),
            [one] => text(ws, &one.name),
            many => text(
                ws,
                &many
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        },
        "status" => text(ws, c.status.label()),
        "created" => date(ws, c.created),
        "updated" => date(ws, c.updated),
        "last_access" => date(ws, c.last_access),
        _ => Ok(()),
    }
}

pub(super) fn write_workbook(
    rx: &mut mpsc::Receiver<Vec<ExportRow>>,
    columns: &[(&'static str, &'static str)],
    info: Info,
    rows_per_sheet: u32,
) -> Result<(std::fs::File, u64), XlsxError> {
    let f = Formats {
        bold: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        stamp: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
    };
    let mut wb = Workbook::new();
    let mut sheet = start_sheet(&mut wb, 0, columns, &f)?;
    let mut row: u32 = 0;
    let mut total: u64 = 0;
    while let Some(rows) = rx.blocking_recv() {
        let mut ws = wb.worksheet_from_index(sheet)?;
        for c in &rows {
            if row == rows_per_sheet {
                finish_sheet(ws, row, columns.len())?;
                sheet = start_sheet(&mut wb, sheet + 1, columns, &f)?;
                ws = wb.worksheet_from_index(sheet)?;
                row = 0;
            }
            row += 1;
            for (i, (key, _)) in columns.iter().enumerate() {
                write_cell(ws, row, i as u16, key, c)?;
            }
            total += 1;
        }
    }
    finish_sheet(wb.worksheet_from_index(sheet)?, row, columns.len())?;

    let ws = wb.add_worksheet();
    ws.set_name("Export info")?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 60)?;
    let mut lines = vec![
        ("Exported by".to_string(), info.by),
        (
            "Exported at (UTC)".to_string(),
            info.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ),
        ("Rows".to_string(), total.to_string()),
    ];
    lines.extend(info.lines);
    for (i, (k, v)) in lines.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, k, &f.bold)?;
        ws.write_string(i as u32, 1, v)?;
    }

    let mut file = tempfile::tempfile().map_err(XlsxError::IoError)?;
    wb.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0)).map_err(XlsxError::IoError)?;
    Ok((file, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::list::SnapshotRow;
    use crate::customers::model::Customer;
    use crate::customers::model::Status;
    use crate::export::export_columns;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use std::io::Read;

    fn customer(id: i64) -> ExportRow {
        let t = Utc::now();
        let c: Customer = SnapshotRow(
            id,
            format!("First{id}"),
            "Last".into(),
            format!("c{id}@example.com"),
            "0917 000 0000".into(),
            "+639170000000".into(),
            String::new(),
            None,
            "PH".into(),
            Status::Active,
            t,
            t,
            vec![],
            Default::default(),
            None,
        )
        .into();
        c.into()
    }

    #[tokio::test]
    async fn rows_past_a_sheets_limit_continue_on_the_next_sheet_with_its_own_header() {
        let (tx, mut rx) = mpsc::channel(2);
        let columns = export_columns(&["id".into(), "first_name".into()]);
        let info = Info {
            by: "Tester".into(),
            at: Utc::now(),
            lines: vec![],
        };
        let writer =
            tokio::task::spawn_blocking(move || write_workbook(&mut rx, &columns, info, 3));
        tx.send((1..=5).map(customer).collect()).await.unwrap();
        tx.send(vec![customer(6), customer(7)]).await.unwrap();
        drop(tx);
        let (mut file, total) = writer.await.unwrap().unwrap();
        assert_eq!(total, 7);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec!["Customers", "Customers (2)", "Customers (3)", "Export info"]
        );
        let ids = |wb: &mut Xlsx<_>, name: &str| -> Vec<String> {
            wb.worksheet_range(name)
                .unwrap()
                .rows()
                .map(|r| match &r[0] {
                    Data::String(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(ids(&mut wb, "Customers"), ["User ID", "1", "2", "3"]);
        assert_eq!(ids(&mut wb, "Customers (2)"), ["User ID", "4", "5", "6"]);
        assert_eq!(ids(&mut wb, "Customers (3)"), ["User ID", "7"]);
    }
}
