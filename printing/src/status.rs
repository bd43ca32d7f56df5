//! The station printer's state for the health report, asked with IPP Get-Printer-Attributes:
//! `printer-state`, `printer-state-reasons`, and supply levels from `marker-names`/`marker-levels`
//! or, when the printer reports them only there, `printer-supply`.

use std::time::Duration;

use ipp::attribute::IppAttributes;
use ipp::model::DelimiterTag;
use ipp::operation::{GetPrinterAttributes, IppOperation};
use ipp::value::IppValue;
use protocol::health::{PrinterHealth, PrinterState, Supply};

use crate::transport::{IppError, send};

const ATTRIBUTES: [&str; 8] = [
    "printer-state",
    "printer-state-reasons",
    "marker-names",
    "marker-levels",
    "marker-types",
    "marker-colors",
    "printer-supply",
    "printer-supply-description",
];

/// The printer at `uri` (`ipp://host[:port]/path`), or why it cannot be reached.
pub fn printer_health(uri: &str) -> PrinterHealth {
    match attributes(uri) {
        Ok(attributes) => from_attributes(&attributes),
        Err(error) => PrinterHealth {
            state: PrinterState::Unreachable,
            reasons: Vec::new(),
            supplies: Vec::new(),
            error: Some(error.to_string()),
        },
    }
}

fn attributes(uri: &str) -> Result<IppAttributes, IppError> {
    let parsed = uri.parse().map_err(|e| IppError::new(uri, format!("{e}")))?;
    let request = GetPrinterAttributes::with_attributes(parsed, ATTRIBUTES)
        .map_err(|e| IppError::new(uri, e.to_string()))?
        .into_ipp_request();
    Ok(send(uri, request, Duration::from_secs(5))?.attributes().clone())
}

fn values<'a>(attributes: &'a IppAttributes, name: &str) -> Vec<&'a IppValue> {
    values_in(attributes, DelimiterTag::PrinterAttributes, name)
}

/// The values of attribute `name` in the groups `tag` (arrays flattened).
pub(crate) fn values_in<'a>(
    attributes: &'a IppAttributes,
    tag: DelimiterTag,
    name: &str,
) -> Vec<&'a IppValue> {
    attributes
        .groups_of(tag)
        .filter_map(|group| group.attributes().iter().find(|a| a.name().as_str() == name))
        .flat_map(|attribute| match attribute.value() {
            IppValue::Array(items) => items.iter().collect::<Vec<_>>(),
            value => vec![value],
        })
        .collect()
}

pub(crate) fn text(value: &IppValue) -> String {
    match value {
        IppValue::OctetString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        other => other.to_string(),
    }
}

/// The health of a printer from its attributes.
pub fn from_attributes(attributes: &IppAttributes) -> PrinterHealth {
    let state = match values(attributes, "printer-state").first() {
        Some(IppValue::Enum(3)) => PrinterState::Idle,
        Some(IppValue::Enum(4)) => PrinterState::Processing,
        Some(IppValue::Enum(5)) => PrinterState::Stopped,
        _ => PrinterState::Unreachable,
    };
    let reasons = values(attributes, "printer-state-reasons").into_iter().map(text).collect();
    let names: Vec<String> = values(attributes, "marker-names").into_iter().map(text).collect();
    let levels = values(attributes, "marker-levels");
    let kinds = values(attributes, "marker-types");
    let colors = values(attributes, "marker-colors");
    let mut supplies: Vec<Supply> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Supply {
            name: name.clone(),
            kind: kinds.get(i).map(|v| text(v)),
            color: colors.get(i).map(|v| text(v)),
            level_percent: match levels.get(i) {
                Some(IppValue::Integer(level)) => u8::try_from(*level).ok().filter(|l| *l <= 100),
                _ => None,
            },
        })
        .collect();
    if supplies.is_empty() {
        let descriptions: Vec<String> =
            values(attributes, "printer-supply-description").into_iter().map(text).collect();
        supplies = values(attributes, "printer-supply")
            .into_iter()
            .enumerate()
            .map(|(i, value)| supply(&text(value), descriptions.get(i)))
            .collect();
    }
    PrinterHealth { state, reasons, supplies, error: None }
}

/// One `printer-supply` value: `type=toner;maxcapacity=100;level=75;colorantname=black;…`.
fn supply(value: &str, description: Option<&String>) -> Supply {
    let field = |key: &str| {
        value.split(';').find_map(|pair| {
            pair.split_once('=').filter(|(k, _)| k.trim() == key).map(|(_, v)| v.trim().to_owned())
        })
    };
    let max = field("maxcapacity").and_then(|v| v.parse::<i64>().ok()).filter(|m| *m > 0).unwrap_or(100);
    let level = field("level").and_then(|v| v.parse::<i64>().ok()).filter(|l| *l >= 0);
    Supply {
        name: description.cloned().or_else(|| field("colorantname")).unwrap_or_else(|| "supply".into()),
        kind: field("type"),
        color: field("colorantname"),
        level_percent: level.and_then(|l| u8::try_from(l * 100 / max).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_supply_values_are_read() {
        let s = supply(
            "type=toner;maxcapacity=200;level=50;class=supplyThatIsConsumed;colorantname=black;",
            None,
        );
        assert_eq!((s.name.as_str(), s.kind.as_deref(), s.level_percent), ("black", Some("toner"), Some(25)));
        let unknown = supply("type=toner;level=-2;", Some(&"Noir".to_owned()));
        assert_eq!((unknown.name.as_str(), unknown.level_percent), ("Noir", None));
    }
}
