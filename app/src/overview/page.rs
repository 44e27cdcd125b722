//! `/overview`: the numbers as cards and charts. A bar or column that the Customers list can
//! filter by is a link to the list so filtered (a country, a label, a month, a status, a
//! last-access window).

use super::chart::{Bar, BarChart, ColumnChart};
use super::{overview_stats, Overview, CREATOR_DAYS};
use crate::fmt::{country_name_str, group_thousands};
use crate::ui::data_page::Loaded;
use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;

/// The Customers list with one filter.
fn list(query: &str) -> String {
    format!("/customers?{query}")
}

/// The last day of `first`'s month.
fn month_end(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.expect("a month follows") - Duration::days(1)
}

/// "+1,234" / "−56" / "±0".
fn signed(n: i64) -> String {
    match n.signum() {
        1 => format!("+{}", group_thousands(n)),
        -1 => format!("−{}", group_thousands(-n)),
        _ => "±0".into(),
    }
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "—".into()
    } else {
        format!("{:.0} %", part as f64 * 100.0 / whole as f64)
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| overview_stats());
    view! {
        <leptos_meta::Title text="Overview · Customers"/>
        <div class="page-header">
            <h1>"Overview"</h1>
        </div>
        <Loaded data let:o>
            <OverviewBody o/>
        </Loaded>
    }
}

#[component]
fn OverviewBody(o: Overview) -> impl IntoView {
    let total = o.total;
    let months: Vec<Bar> = o
        .months
        .iter()
        .map(|(first, n)| {
            Bar::new(first.format("%B %Y").to_string(), *n).link(list(&format!(
                "created={first}..{}&sort=created",
                month_end(*first)
            )))
        })
        .collect();
    let ticks = o
        .months
        .iter()
        .map(|(first, _)| (first.month() % 3 == 1).then(|| first.format("%b %y").to_string()))
        .collect();
    let mut countries: Vec<Bar> = o
        .countries
        .iter()
        .map(|(code, n)| {
            if code.is_empty() {
                Bar::new("No country given", *n)
            } else {
                Bar::new(country_name_str(code), *n).link(list(&format!("country={code}")))
            }
        })
        .collect();
    if o.other_countries > 0 {
        countries.push(Bar::new("Other countries", o.other_countries));
    }
    let labels: Vec<Bar> = o
        .labels
        .iter()
        .map(|l| {
            Bar::new(l.name.clone(), l.customers)
                .link(list(&format!("labels={}", l.id)))
                .color(l.color.clone())
        })
        .collect();
    let p = o.portal;
    let portal = vec![
        Bar::new("Not invited", p.not_invited),
        Bar::new("Invited", p.invited),
        Bar::new("Active", p.active),
        Bar::new("Disabled", p.disabled),
    ];
    let a = o.access;
    let access = vec![
        Bar::new("Within 7 days", a.within_7).link(list("access=7d")),
        Bar::new("Within 30 days", a.within_30).link(list("access=30d")),
        Bar::new("Within 90 days", a.within_90).link(list("access=90d")),
        Bar::new("Over 90 days ago", a.over_90).link(list("access=over90")),
        Bar::new("Never", a.never).link(list("access=never")),
    ];
    let creators: Vec<Bar> = o
        .creators
        .iter()
        .map(|(name, n)| Bar::new(name.clone(), *n))
        .collect();
    let no_creators = creators.is_empty();
    view! {
        <div class="kpis">
            <a class="kpi card" href="/customers" data-testid="kpi-total">
                <span class="kpi-label">"Customers"</span>
                <span class="kpi-value">{group_thousands(total)}</span>
                <span class="kpi-note">{signed(o.change_30d)} " in the last 30 days"</span>
            </a>
            <a class="kpi card" href=list("status=active") data-testid="kpi-active">
                <span class="kpi-label">"Active"</span>
                <span class="kpi-value">{group_thousands(o.active)}</span>
                <span class="kpi-note">{percent(o.active, total)}</span>
            </a>
            <a class="kpi card" href=list("status=inactive") data-testid="kpi-inactive">
                <span class="kpi-label">"Inactive"</span>
                <span class="kpi-value">{group_thousands(o.inactive)}</span>
                <span class="kpi-note">{percent(o.inactive, total)}</span>
            </a>
            <div class="kpi card" data-testid="kpi-portal">
                <span class="kpi-label">"Portal accounts in use"</span>
                <span class="kpi-value">{group_thousands(p.active)}</span>
                <span class="kpi-note">{percent(p.active, total)} " of customers"</span>
            </div>
        </div>
        <div class="charts">
            <ColumnChart id="months" title="New customers per month" what="Month" bars=months ticks/>
            <BarChart id="countries" title="Customers per country" what="Country" bars=countries/>
            <BarChart id="labels" title="Customers per label" what="Label" bars=labels/>
            <BarChart id="portal" title="Portal adoption" what="Portal account" bars=portal/>
            <BarChart id="access" title="Last portal access" what="Last access" bars=access/>
            {if no_creators {
                view! {
                    <figure class="chart card" data-testid="chart-creators">
                        <figcaption><h2>{format!("Customers created per staff member, last {CREATOR_DAYS} days")}</h2></figcaption>
                        <p class="muted">"Nobody created a customer in this time."</p>
                    </figure>
                }.into_any()
            } else {
                view! {
                    <BarChart id="creators" title=format!("Customers created per staff member, last {CREATOR_DAYS} days")
                        what="Staff member" bars=creators/>
                }.into_any()
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(month_end(d(2026, 2, 1)), d(2026, 2, 28));
        assert_eq!(month_end(d(2024, 2, 1)), d(2024, 2, 29));
        assert_eq!(month_end(d(2026, 12, 1)), d(2026, 12, 31));
    }

    #[test]
    fn changes_and_shares_read_well() {
        assert_eq!(signed(1234), "+1,234");
        assert_eq!(signed(-56), "−56");
        assert_eq!(signed(0), "±0");
        assert_eq!(percent(1, 3), "33 %");
        assert_eq!(percent(1, 0), "—");
    }
}
