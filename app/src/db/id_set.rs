//! A set of ids stored in one value, however many: sorted, as runs of consecutive ids
//! (the gap before each run and its length, as LEB128 varints), deflated. "Every customer"
//! of a table whose ids are mostly consecutive is a few bytes; a scattered set costs about
//! two bytes an id. Used for the customers each export included (`export_set`).

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::{Read, Write};

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// The stored form of `ids` (any order, repeats allowed; ids are positive).
pub fn encode(mut ids: Vec<i64>) -> Vec<u8> {
    ids.sort_unstable();
    ids.dedup();
    let mut raw = Vec::new();
    let mut prev_end = 0i64; // one past the last run's end
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut len = 1;
        while i + len < ids.len() && ids[i + len] == start + len as i64 {
            len += 1;
        }
        push_varint(&mut raw, (start - prev_end) as u64);
        push_varint(&mut raw, len as u64 - 1);
        prev_end = start + len as i64;
        i += len;
    }
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&raw).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// Whether the stored set holds `id` (false for a value that does not decode).
pub fn contains(stored: &[u8], id: i64) -> bool {
    let mut raw = Vec::new();
    if DeflateDecoder::new(stored).read_to_end(&mut raw).is_err() {
        return false;
    }
    let (mut at, mut end) = (0usize, 0i64);
    while at < raw.len() {
        let (Some(gap), Some(len)) = (read_varint(&raw, &mut at), read_varint(&raw, &mut at))
        else {
            return false;
        };
        let start = end + gap as i64;
        end = start + len as i64 + 1;
        if id < start {
            return false;
        }
        if id < end {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_exactly_its_ids() {
        let ids = vec![9, 3, 4, 5, 1_000_000, 7, 3, 2_000_000_000_000];
        let set = encode(ids.clone());
        for id in 0..20 {
            assert_eq!(contains(&set, id), ids.contains(&id), "{id}");
        }
        assert!(contains(&set, 1_000_000));
        assert!(contains(&set, 2_000_000_000_000));
        assert!(!contains(&set, 999_999));
        assert!(!contains(&encode(vec![]), 1));
        assert!(!contains(b"not deflate", 1));
    }

    #[test]
    fn a_million_consecutive_ids_take_a_few_bytes() {
        let set = encode((1..=1_000_000).collect());
        assert!(set.len() < 32, "{}", set.len());
        assert!(contains(&set, 1) && contains(&set, 1_000_000) && !contains(&set, 1_000_001));
        let scattered = encode((1..=100_000).map(|i| i * 7).collect());
        assert!(scattered.len() < 100_000 * 2, "{}", scattered.len());
        assert!(contains(&scattered, 700) && !contains(&scattered, 701));
    }
}
