//! The API token never shows in logs or `Debug` output.

mod common;

use std::fmt;
use std::sync::{Arc, Mutex};

use common::{Running, client, post_form};
use headcount_simulator::{Faults, Simulator, SimulatorConfig};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A subscriber that keeps every field of every span and event as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        span.record(&mut Fields(&mut self.0.lock().unwrap()));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

const TOKEN: &str = "tok-SECRET-42";

#[tokio::test]
async fn the_token_is_never_logged() {
    // A current-thread runtime runs the server on this thread, under this subscriber.
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = Running::start(SimulatorConfig {
        token: TOKEN.into(),
        ..SimulatorConfig::default()
    })
    .await;
    let client = client();
    for body in [
        format!("auth_token={TOKEN}"),
        format!("auth_token={TOKEN}&campaign_id=111&filter_by_skill_options=spanish"),
        format!("auth_token={TOKEN}&queue_id=abc"),
        "auth_token=tok-WRONG-99".to_string(),
    ] {
        post_form(&client, &server.search(), &body).await;
    }
    server
        .handle
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::none()
        })
        .unwrap();
    post_form(&client, &server.search(), &format!("auth_token={TOKEN}")).await;
    server.stop().await.unwrap();

    let lines = capture.0.lock().unwrap();
    assert!(lines.len() >= 5, "the capture works: {lines:?}");
    for line in lines.iter() {
        assert!(
            !line.contains("SECRET") && !line.contains("WRONG"),
            "{line}"
        );
    }
}

#[test]
fn debug_output_hides_the_token() {
    let config = SimulatorConfig {
        token: TOKEN.into(),
        ..SimulatorConfig::default()
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    let sim = Simulator::new(config).unwrap();
    for shown in [format!("{sim:?}"), format!("{:?}", sim.handle())] {
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
