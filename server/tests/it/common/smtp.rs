//! A small SMTP server on 127.0.0.1 for the tests: just enough RFC 5321 to receive mail.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const ACCEPT: u8 = 0;
pub const TRANSIENT: u8 = 1;
pub const PERMANENT: u8 = 2;
/// Takes the message's first lines, then drops the connection before the end of DATA
/// (nothing accepted, nothing recorded).
pub const DROP_IN_DATA: u8 = 3;

/// Just enough SMTP (RFC 5321) to receive mail: EHLO, MAIL, RCPT, DATA, QUIT. `mode`
/// chooses how RCPT TO is answered.
pub struct FakeSmtp {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<String>>>,
    pub mode: Arc<AtomicU8>,
}

impl FakeSmtp {
    pub async fn start_on(addr: &str) -> FakeSmtp {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(AtomicU8::new(ACCEPT));
        let (r, m) = (received.clone(), mode.clone());
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (r, m) = (r.clone(), m.clone());
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake.smtp ESMTP\r\n").await;
                    let mut in_data = false;
                    let mut data = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if m.load(Ordering::SeqCst) == DROP_IN_DATA && data.len() > 200 {
                                return;
                            }
                            if line == "." {
                                in_data = false;
                                r.lock().unwrap().push(std::mem::take(&mut data));
                                let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                            } else {
                                data.push_str(&line);
                                data.push('\n');
                            }
                            continue;
                        }
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250-fake.smtp\r\n250 8BITMIME\r\n",
                            "MAIL" => b"250 2.1.0 ok\r\n",
                            "RCPT" => match m.load(Ordering::SeqCst) {
                                TRANSIENT => b"451 4.3.0 try again later\r\n",
                                PERMANENT => b"550 5.1.1 no such user\r\n",
                                _ => b"250 2.1.5 ok\r\n",
                            },
                            "DATA" => {
                                in_data = true;
                                b"354 go ahead\r\n"
                            }
                            "RSET" | "NOOP" => b"250 ok\r\n",
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"502 5.5.2 what?\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        FakeSmtp {
            addr,
            received,
            mode,
        }
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

/// The text of a received mail with quoted-printable soft line breaks and `=3D` undone.
pub fn decode_qp(mail: &str) -> String {
    mail.replace("=\n", "").replace("=3D", "=")
}
