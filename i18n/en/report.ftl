# Text around lessons, check results and diagnosis pages (src/report.rs).

place-server = on the server
place-laptop = on your laptop
place-registrar = at your registrar
fence-server = On the server:
fence-laptop = On your laptop:
fence-file = Put this in the file { $path }:
lesson-heading = Stage { $number } of { $total }: { $title }
lesson-what-to-do = What to do
lesson-when-it-worked = When it worked
lesson-checks = What tutor will check
page-stage = stage: { $stage }
page-why = Why this happens
page-fix = How to fix it
more-explain = more: tutor explain { $id }
closing-one-pass = The stage passes
closing-all-pass = All { $count } stages pass
closing-attention = { $count ->
    [one] 1 stage needs attention
   *[other] { $count } stages need attention
}
closing-undecided = { $count } could not be decided
closing-skipped = { $count } skipped
