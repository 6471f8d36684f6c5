//! The OpenAPI document says what the server does: the same routes, and every
//! documented path answers its documented parameters (and only those).

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{Fixture, get};
use serde_json::Value;

/// A valid value for each documented query parameter.
fn valid(name: &str) -> &'static str {
    match name {
        "from" => "now-3d",
        "to" => "now",
        "tz" => "Europe/Paris",
        "step" => "1h",
        "compare" => "1d",
        "horizon" => "48",
        "width" => "320",
        "height" => "200",
        "theme" => "dark",
        "legend" => "false",
        "period" => "day",
        "at" => "now+1d",
        "need" => "5",
        // Given with need, it would be refused: empty is absent.
        "need_pct" => "",
        "targets" => "sales,all",
        "measure" => "available_pct",
        other => panic!("no valid value known for documented parameter {other:?}"),
    }
}

async fn document(app: &axum::Router) -> Value {
    let r = get(app, "/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    r.json()
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_is_served() {
    let f = Fixture::new();
    let doc = document(&f.app()).await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = headcount_web::routes()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(documented, served);
}

#[tokio::test]
async fn every_documented_operation_answers_its_parameters() {
    let f = Fixture::new();
    let app = f.app();
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        let op = &item["get"];
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        // Path parameters: a target with data, and every value an enum allows.
        let mut paths = vec![path.replace("{name}", "sales")];
        for p in params
            .iter()
            .filter(|p| p["in"] == "path" && p["name"] != "name")
        {
            let name = p["name"].as_str().unwrap();
            let schema = match p["schema"]["$ref"].as_str() {
                Some(r) => &schemas[r.rsplit('/').next().unwrap()],
                None => &p["schema"],
            };
            let values = schema["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: {name}"));
            paths = paths
                .iter()
                .flat_map(|base| {
                    values
                        .iter()
                        .map(move |v| base.replace(&format!("{{{name}}}"), v.as_str().unwrap()))
                })
                .collect();
        }
        let query: Vec<String> = params
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let name = p["name"].as_str().unwrap();
                format!("{name}={}", common::enc(valid(name)))
            })
            .collect();
        let content_types: Vec<&str> = op["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}: no 200 content"))
            .keys()
            .map(String::as_str)
            .collect();
        for p in &paths {
            let uri = if query.is_empty() {
                p.clone()
            } else {
                format!("{p}?{}", query.join("&"))
            };
            let r = get(&app, &uri).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{uri}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert!(
                content_types.contains(&r.content_type()),
                "{uri}: {} not in {content_types:?}",
                r.content_type()
            );
            // Only the documented names are taken.
            let sep = if query.is_empty() { '?' } else { '&' };
            let r = get(&app, &format!("{uri}{sep}undocumented=1")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
            if r.content_type().starts_with("text/html") {
                // A page's error is a page, naming the parameter too.
                assert!(
                    r.text().contains("undocumented: unknown parameter"),
                    "{uri}"
                );
            } else {
                assert_eq!(r.param().as_deref(), Some("undocumented"));
            }
            // Every documented status of a client error names a body schema.
            for code in ["400", "404"] {
                if let Some(resp) = op["responses"].get(code) {
                    assert!(resp["content"].is_object(), "{path} {code}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_document_holds_the_query_crate_schemas_and_the_token_schemes() {
    let f = Fixture::new();
    let doc = document(&f.app()).await;
    let schemas = &doc["components"]["schemas"];
    for name in [
        "Series",
        "Point",
        "Report",
        "Latest",
        "TargetInfo",
        "ErrorBody",
        "Health",
        "State",
    ] {
        assert!(schemas.get(name).is_some(), "{name}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["basic"]["scheme"], "basic");
    // /healthz is documented as open.
    assert_eq!(
        doc["paths"]["/healthz"]["get"]["security"],
        serde_json::json!([{}])
    );
}
