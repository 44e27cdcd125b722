//! Mail composition: the one layout of the app's e-mails (greeting, paragraphs, an optional
//! button link, a closing line) as plain text and escaped HTML.

/// Text for an HTML e-mail body.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A short mail: greeting, paragraphs, an optional button link, a closing line.
pub fn compose(
    name: &str,
    subject: &str,
    paragraphs: &[String],
    button: Option<(&str, &str)>,
    footer: &str,
) -> Mail {
    let mut text = format!("Hello {name},\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\"><p>Hello {},</p>",
        escape_html(name)
    );
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape_html(p)));
    }
    if let Some((label, url)) = button {
        text.push_str(&format!("{label}: {url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:6px\">{}</a></p>\
             <p style=\"font-size:90%;color:#555\">Or paste this address into your browser: {url}</p>",
            escape_html(label),
            url = escape_html(url)
        ));
    }
    text.push_str(footer);
    text.push('\n');
    html.push_str(&format!(
        "<p style=\"font-size:90%;color:#555\">{}</p></body></html>",
        escape_html(footer)
    ));
    Mail {
        subject: subject.to_string(),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let m = compose(
            "<b>Ann</b> & Co",
            "Hi",
            &["a < b".into()],
            Some(("Go", "http://x/?a=1&b=2")),
            "Bye",
        );
        assert!(m.html.contains("&lt;b&gt;Ann&lt;/b&gt; &amp; Co"));
        assert!(m.html.contains("a &lt; b"));
        assert!(m.html.contains("http://x/?a=1&amp;b=2"));
        assert!(m.text.contains("Go: http://x/?a=1&b=2"));
        assert!(m.text.starts_with("Hello <b>Ann</b> & Co,"));
    }
}
