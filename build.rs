// Lessons and checks are embedded with include_dir!, which cargo cannot
// track on stable: tell cargo to rebuild when either folder changes.
fn main() {
    println!("cargo:rerun-if-changed=lessons");
    println!("cargo:rerun-if-changed=checks");
    println!("cargo:rerun-if-changed=i18n");
}
