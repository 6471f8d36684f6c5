//! The Prometheus remote write 1.0 wire types, written by hand with prost's derive
//! (the messages of `prometheus/prompb/remote.proto` and `types.proto` that a sender
//! of float samples uses; field numbers as there), and the body encoding: protobuf,
//! then snappy's block format.

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// The series, each with its samples in timestamp order.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Metric metadata (field 3); headcount sends none.
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries`: labels sorted by name, samples by timestamp.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// The labels, `__name__` among them.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The samples.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Message)]
pub struct Label {
    /// The name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Sample {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`, for completeness of [`WriteRequest`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricMetadata {
    /// The metric type (0 unknown, 2 gauge, …).
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// The family name.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// The help text.
    #[prost(string, tag = "4")]
    pub help: String,
    /// The unit.
    #[prost(string, tag = "5")]
    pub unit: String,
}

/// Prometheus's staleness marker: the NaN a sender writes where a series stops, so
/// that queries show a gap there instead of carrying the last value forward.
pub const STALE_NAN: f64 = f64::from_bits(0x7ff0_0000_0000_0002);

impl WriteRequest {
    /// The request body: the protobuf encoding, compressed with snappy's block
    /// (raw) format, as remote write 1.0 requires.
    ///
    /// # Panics
    ///
    /// Never in practice: snappy's block format refuses only inputs over 4 GiB, and a
    /// request is at most [`headcount_config::MAX_BATCH_SIZE`] samples.
    #[must_use]
    pub fn encode_body(&self) -> Vec<u8> {
        let raw = prost::Message::encode_to_vec(self);
        snap::raw::Encoder::new()
            .compress_vec(&raw)
            .expect("a remote-write request is far below snappy's 4 GiB limit")
    }

    /// Decodes a body made by [`WriteRequest::encode_body`] (or any sender's): for
    /// tests and receivers.
    ///
    /// # Errors
    ///
    /// A message naming the layer that failed.
    pub fn decode_body(body: &[u8]) -> Result<WriteRequest, String> {
        let raw = snap::raw::Decoder::new()
            .decompress_vec(body)
            .map_err(|e| format!("snappy: {e}"))?;
        prost::Message::decode(raw.as_slice()).map_err(|e| format!("protobuf: {e}"))
    }

    /// How many samples the request carries.
    #[must_use]
    pub fn sample_count(&self) -> usize {
        self.timeseries.iter().map(|t| t.samples.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_match_the_reference_wire_bytes() {
        let req = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "__name__".to_owned(),
                    value: "up".to_owned(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 1000,
                }],
            }],
            metadata: Vec::new(),
        };
        // The protobuf bytes written out by hand from the .proto field numbers:
        // timeseries (1, len 30) { labels (1, len 14) { name (1) "__name__",
        // value (2) "up" }, samples (2, len 12) { value (1, fixed64) 1.0,
        // timestamp (2, varint) 1000 } }.
        let want: Vec<u8> = [
            &[0x0a, 30, 0x0a, 14, 0x0a, 8][..],
            b"__name__",
            &[0x12, 2],
            b"up",
            &[0x12, 12, 0x09],
            &1.0f64.to_le_bytes(),
            &[0x10, 0xe8, 0x07],
        ]
        .concat();
        assert_eq!(prost::Message::encode_to_vec(&req), want);
        let body = req.encode_body();
        assert_eq!(WriteRequest::decode_body(&body).unwrap(), req);
        assert!(WriteRequest::decode_body(b"not snappy").is_err());
    }

    #[test]
    fn the_staleness_marker_is_prometheus_bit_pattern() {
        assert!(STALE_NAN.is_nan());
        assert_eq!(STALE_NAN.to_bits(), 0x7ff0_0000_0000_0002);
    }
}
