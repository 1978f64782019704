//! Wall-clock medians of every case (divan): the secondary figure of
//! `bench/run`, noisy on a shared machine, so only ratios within one run
//! mean anything.

mod common;

use ctxmgr_bench::Stats;
use divan::Bencher;

fn main() {
    divan::main();
}

fn bench(bencher: Bencher, case: &str, variant: &str) {
    let entries = common::entries();
    let entry = entries
        .iter()
        .find(|e| e.name() == format!("{case}_{variant}"))
        .expect("known case");
    let (mut a, mut b) = (Stats::default(), Stats::default());
    bencher.bench_local(|| entry.call(&mut a, &mut b));
}

macro_rules! cases {
    ($($case:ident),*) => {$(
        mod $case {
            use divan::Bencher;

            #[divan::bench]
            fn with(b: Bencher) {
                super::bench(b, stringify!($case), "with");
            }

            #[divan::bench]
            fn hand(b: Bencher) {
                super::bench(b, stringify!($case), "hand");
            }

            #[divan::bench]
            fn scopeguard(b: Bencher) {
                super::bench(b, stringify!($case), "scopeguard");
            }
        }
    )*};
}
cases!(ok, err, nested, borrow);
