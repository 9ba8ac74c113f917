//! Atlassian Document Format, as far as warroom's comments need it: plain lines as paragraphs,
//! `- ` lines as a bullet list, URLs as links; and any document read back as its text.

use serde_json::{Value, json};

/// `text` as an ADF document.
pub fn from_text(text: &str) -> Value {
    let mut content: Vec<Value> = Vec::new();
    let mut bullets: Vec<Value> = Vec::new();
    let flush = |bullets: &mut Vec<Value>, content: &mut Vec<Value>| {
        if !bullets.is_empty() {
            content.push(json!({ "type": "bulletList", "content": std::mem::take(bullets) }));
        }
    };
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(item) = line.strip_prefix("- ") {
            bullets.push(json!({ "type": "listItem", "content": [paragraph(item)] }));
            continue;
        }
        flush(&mut bullets, &mut content);
        if !line.trim().is_empty() {
            content.push(paragraph(line));
        }
    }
    flush(&mut bullets, &mut content);
    json!({ "version": 1, "type": "doc", "content": content })
}

fn paragraph(line: &str) -> Value {
    let mut nodes: Vec<Value> = Vec::new();
    let mut plain = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            plain.push(' ');
        }
        if word.starts_with("https://") || word.starts_with("http://") {
            if !plain.is_empty() {
                nodes.push(json!({ "type": "text", "text": std::mem::take(&mut plain) }));
            }
            nodes.push(json!({
                "type": "text", "text": word,
                "marks": [{ "type": "link", "attrs": { "href": word } }]
            }));
        } else {
            plain.push_str(word);
        }
    }
    if !plain.is_empty() {
        nodes.push(json!({ "type": "text", "text": plain }));
    }
    json!({ "type": "paragraph", "content": nodes })
}

/// The text of a document: its text nodes, blocks on their own lines.
pub fn to_text(doc: &Value) -> String {
    let mut out = String::new();
    walk(doc, &mut out);
    out
}

fn walk(node: &Value, out: &mut String) {
    if let Some(t) = node.get("text").and_then(Value::as_str) {
        out.push_str(t);
    }
    for child in node
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(child, out);
    }
    if node.get("type").and_then(Value::as_str) == Some("paragraph") {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lists_and_links_survive_the_round_trip() {
        let text = "Resolved.\n- PR https://x.test/1 merged\n- deployed\nEnd";
        let doc = from_text(text);
        assert_eq!(doc["content"][1]["type"], "bulletList");
        assert_eq!(
            doc["content"][1]["content"][0]["content"][0]["content"][1]["marks"][0]["attrs"]["href"],
            "https://x.test/1"
        );
        assert_eq!(
            to_text(&doc),
            "Resolved.\nPR https://x.test/1 merged\ndeployed\nEnd\n"
        );
    }
}
