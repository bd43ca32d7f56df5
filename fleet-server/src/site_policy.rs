//! A site's override of the fleet policy's `[station]` settings (idle timeouts, page limit, help
//! text…): merged into the fleet policy for that site's stations, and checked like any policy.

use protocol::Policy;

/// The `[station]` keys a site may override.
pub const KEYS: [&str; 8] = [
    "idle_timeout_s",
    "idle_warning_s",
    "assisted_idle_timeout_s",
    "max_pages_per_session",
    "languages",
    "funding_notice",
    "help",
    "download_types",
];

/// Checks an override's own text: TOML keys of the `[station]` table, only the known ones.
pub fn check_settings(settings: &str) -> Result<toml::Table, Vec<String>> {
    let table: toml::Table = settings.parse().map_err(|e: toml::de::Error| vec![e.to_string()])?;
    let unknown: Vec<String> = table
        .keys()
        .filter(|key| !KEYS.contains(&key.as_str()))
        .map(|key| format!("{key} : réglage inconnu ; réglages possibles : {}", KEYS.join(", ")))
        .collect();
    if unknown.is_empty() { Ok(table) } else { Err(unknown) }
}

/// The fleet policy with the site's settings in its `[station]` table, validated as a policy.
/// Errors are sentences for the admin (the policy's own errors name the merged document).
pub fn apply(policy_text: &str, settings: &str) -> Result<String, Vec<String>> {
    let overrides = check_settings(settings)?;
    let mut policy: toml::Table = policy_text
        .parse()
        .map_err(|e: toml::de::Error| vec![format!("politique du parc illisible : {e}")])?;
    let station = policy
        .entry("station")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| vec!["la politique du parc a un `station` qui n'est pas une table".to_owned()])?;
    for (key, value) in overrides {
        station.insert(key, value);
    }
    let merged = format!(
        "# Politique du parc avec les réglages propres au site.\n{}",
        toml::to_string(&policy).map_err(|e| vec![e.to_string()])?
    );
    Policy::parse(&merged, "politique du site").map_err(|error| {
        error.problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>()
    })?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../config/policy.toml");

    #[test]
    fn a_site_override_changes_only_its_settings() {
        let merged =
            apply(POLICY, "idle_timeout_s = 600\nhelp = \"Demandez à l'accueil, bureau 2.\"\n").unwrap();
        let policy = Policy::parse(&merged, "merged").unwrap();
        let fleet = Policy::parse(POLICY, "fleet").unwrap();
        assert_eq!(policy.station.idle_timeout_s, 600);
        assert_eq!(policy.station.help, "Demandez à l'accueil, bureau 2.");
        assert_eq!(policy.station.max_pages_per_session, fleet.station.max_pages_per_session);
        assert_eq!(policy.procedures.len(), fleet.procedures.len());
    }

    #[test]
    fn unknown_keys_and_invalid_values_are_refused_by_name() {
        let errors = apply(POLICY, "idle_timeout = 600\n").unwrap_err();
        assert!(errors[0].contains("idle_timeout") && errors[0].contains("idle_timeout_s"), "{errors:?}");
        let errors = apply(POLICY, "idle_timeout_s = \"long\"\n").unwrap_err();
        assert!(errors.iter().any(|e| e.contains("idle_timeout_s")), "{errors:?}");
        let errors = apply(POLICY, "idle_timeout_s = = 3").unwrap_err();
        assert!(errors[0].contains("line 1"), "{errors:?}");
    }
}
