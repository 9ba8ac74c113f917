//! Checks a JSON value against a schema taken from a vendor's published OpenAPI description:
//! the keywords those excerpts use (type, nullable, properties, required, items, min/maxItems,
//! additionalProperties, `$ref` into `schemas`). Every failure names its path.

use serde_json::Value;

pub fn validate(value: &Value, schema: &Value, schemas: &Value) -> Result<(), String> {
    check(value, schema, schemas, "$")
}

fn check(v: &Value, s: &Value, schemas: &Value, path: &str) -> Result<(), String> {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        let target = schemas
            .get(name)
            .ok_or_else(|| format!("{path}: unknown $ref {r}"))?;
        return check(v, target, schemas, path);
    }
    if v.is_null() {
        return if s.get("nullable") == Some(&Value::Bool(true)) || s.get("type").is_none() {
            Ok(())
        } else {
            Err(format!("{path}: null where the schema does not allow it"))
        };
    }
    let ty = s.get("type").and_then(Value::as_str);
    let ok = match ty {
        None => true,
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some(other) => return Err(format!("{path}: schema type {other} not handled")),
    };
    if !ok {
        return Err(format!(
            "{path}: {v} is not of type {}",
            ty.unwrap_or_default()
        ));
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = r.as_str().unwrap_or_default();
            if !obj.contains_key(key) {
                return Err(format!("{path}: required {key} missing"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(val, ps, schemas, &format!("{path}.{k}"))?,
                None => {
                    if let Some(extra) = s.get("additionalProperties") {
                        check(val, extra, schemas, &format!("{path}.{k}"))?;
                    } else if props.is_some() {
                        return Err(format!("{path}.{k}: not in the schema"));
                    }
                }
            }
        }
    }
    if let Some(items) = v.as_array() {
        let len = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && len < min
        {
            return Err(format!("{path}: {len} items, at least {min}"));
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && len > max
        {
            return Err(format!("{path}: {len} items, at most {max}"));
        }
        if let Some(is) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item, is, schemas, &format!("{path}[{i}]"))?;
            }
        }
    }
    Ok(())
}

/// An excerpt of a vendor's OpenAPI description (`tests/fixtures/excerpt.py` cut it): each
/// operation's parameters, request schema and response schemas, validated with a JSON Schema
/// validator against the description's own component schemas.
pub struct Spec {
    operations: serde_json::Map<String, Value>,
    schemas: Value,
}

/// A request or an answer that does not match the description, in words.
pub type Violation = String;

impl Spec {
    pub fn load(file: &str) -> Spec {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let mut v: Value = serde_json::from_str(&text).expect("fixture json");
        // OpenAPI 3.0's dialect in JSON Schema's words: `nullable: true` is `null` among the
        // types, and Statuspage's one `Object` is `object`.
        to_json_schema(&mut v);
        Spec {
            operations: v["operations"].as_object().cloned().expect("operations"),
            schemas: v["schemas"].clone(),
        }
    }

    /// The operation (`GET /incidents/{id}`) a request's method and path are an instance of.
    pub fn operation(&self, method: &str, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.operations.keys().find_map(|op| {
            let (m, template) = op.split_once(' ')?;
            let t: Vec<&str> = template.split('/').collect();
            let same = m == method
                && t.len() == segs.len()
                && t.iter()
                    .zip(&segs)
                    .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()));
            same.then(|| op.clone())
        })
    }

    pub fn parameters(&self, op: &str) -> Vec<Value> {
        self.operations[op]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn check(&self, schema: &Value, value: &Value, what: &str) -> Result<(), Violation> {
        let mut root = match schema {
            Value::Object(o) => o.clone(),
            _ => return Ok(()),
        };
        root.insert(
            "components".into(),
            serde_json::json!({ "schemas": self.schemas }),
        );
        let validator = jsonschema::validator_for(&Value::Object(root))
            .map_err(|e| format!("{what}: the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", errors.join("; ")))
        }
    }

    /// The request's query and headers against the operation's parameters (names declared,
    /// enum values in their vocabulary, required headers present) and its body against the
    /// request schema.
    pub fn check_request(
        &self,
        op: &str,
        query: &[(String, String)],
        headers: &axum::http::HeaderMap,
        body: Option<&Value>,
    ) -> Result<(), Violation> {
        let params = self.parameters(op);
        for (name, value) in query {
            let Some(p) = params
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == name.as_str())
            else {
                return Err(format!(
                    "{op}: query parameter {name} is not in the description"
                ));
            };
            if let Some(e) = p["schema"]["enum"].as_array()
                && !e.iter().any(|v| v == value.as_str())
            {
                return Err(format!("{op}: {name}={value} is not one of {e:?}"));
            }
        }
        for p in params
            .iter()
            .filter(|p| p["in"] == "header" && p["required"] == true)
        {
            let name = p["name"].as_str().unwrap_or_default();
            if !headers.contains_key(name.to_ascii_lowercase().as_str()) {
                return Err(format!("{op}: required header {name} missing"));
            }
        }
        match (self.operations[op].get("request"), body) {
            (Some(schema), Some(b)) if !schema.is_null() => self.check(schema, b, op),
            (Some(schema), None) if !schema.is_null() => Err(format!("{op}: no body")),
            _ => Ok(()),
        }
    }

    /// An answer against the operation's schema for its status (when the description has one).
    pub fn check_response(&self, op: &str, status: u16, body: &Value) -> Result<(), Violation> {
        match self.operations[op]["responses"].get(status.to_string()) {
            Some(schema) => self.check(schema, body, &format!("{op} → {status}")),
            None => Ok(()),
        }
    }
}

fn to_json_schema(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("type") == Some(&Value::String("Object".into())) {
                o.insert("type".into(), Value::String("object".into()));
            }
            if o.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(t)) = o.get("type").cloned()
            {
                o.insert("type".into(), serde_json::json!([t, "null"]));
            }
            o.values_mut().for_each(to_json_schema);
        }
        Value::Array(a) => a.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}
