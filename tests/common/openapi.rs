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
