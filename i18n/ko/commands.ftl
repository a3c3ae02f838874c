# 명령 출력 (src/commands.rs).

pack-errors = { $source }의 강의 묶음에 오류가 { $count }개 있습니다:
pack-builtin = 내장 강의
profile-unusable-fix = 저장된 "{ $profile }" 프로필을 쓸 수 없습니다: { $problem } `tutor init ...`이나 `tutor start`로 고칩니다.
profile-name-invalid = { $name } 값은 프로필 이름으로 쓸 수 없습니다. 영문자, 숫자, -, _로 40자까지 씁니다(예: staging, live).
no-such-stage = { $stage } 단계는 없습니다. 단계 목록: { $stages }.
no-such-diagnosis = { $id } 진단은 없습니다. 진단 목록: { $ids }.
dns-wait-bar = DNS: 리졸버 { $total }개 중 { $agree }개가 서버 주소로 응답합니다
dns-wait-giving-up = ({ $left } 뒤에 기다리기를 멈춥니다)
init-domain = --domain: { $problem }
init-no-key = --identity { $path }: 그런 키 파일이 없습니다. 개인 키 파일의 경로를 씁니다(예: ~/.ssh/id_ed25519).
init-bad-ca = --ca { $path }: tutor가 읽을 수 있는 인증서 파일이 아닙니다. 인증 기관의 PEM 파일(-----BEGIN CERTIFICATE-----로 시작하는 파일)을 주세요.
init-bad-resolver = --resolver { $value }: IP 주소를 씁니다. 포트를 붙여도 됩니다(예: 1.1.1.1, 127.0.0.1:5353).
init-saved = "{ $profile }" 프로필을 { $path }에 저장했습니다.
    다음: 서버 상태를 보려면 `tutor check --all`, 안내를 따라가려면 `tutor continue`를 실행합니다.
status-profile = "{ $profile }" 프로필
status-domain = 도메인
status-server = 서버
status-server-value = { $ip } (ssh 포트 { $port })
status-user = 사용자
status-site = 사이트
status-language = 언어
status-no-answers = (아직 프로필 질문에 답하지 않았습니다)
status-done = 완료
status-failed = 실패 ({ $diagnoses })
status-skipped = 건너뜀
status-pending = 대기
status-here = ← 지금 여기
status-saved-in = 저장 위치: { $path }
hint-heading = { $stage } 단계 힌트 { $total }개 중 { $number }번째
hint-more = 아직 막혔다면 `tutor hint`를 한 번 더 실행합니다. 더 자세한 힌트가 나옵니다.
hint-last = 아직 막혔다면 `tutor hint`를 한 번 더 실행합니다. 전체 풀이가 나옵니다.
solution-heading = { $stage } 단계 풀이
read-stdin-failed = 표준 입력에서 메시지를 읽지 못했습니다
reset-aside-question = 읽을 수 없는 진행 파일은 옆으로 치워 두고 새로 시작할까요?
reset-nothing = 아무것도 바꾸지 않았습니다.
reset-moved = { $path } 위치로 옮겼습니다. `tutor start`로 새로 시작할 수 있습니다.
reset-what-stage = { $stage } 단계의 진행 상황
reset-what-all = "{ $profile }" 프로필 전체(답과 진행 상황)
reset-question = { $what }을(를) 지울까요?
reset-done = { $what }을(를) 지웠습니다.
lint-ok = { $dir }: 이상 없음 (단계 { $stages }개, 점검 { $checks }개, 진단 { $diagnoses }개)
lint-errors = { $dir } 강의 묶음에 오류가 { $count }개 있습니다.
lessons-checks = 점검:
lessons-diagnoses = 진단:

pack-command-adds = 수업 자료의 점검 { $check }이(가) 실행하는 명령:
pack-command-replaces = 수업 자료가 내장 점검 { $check }을(를) 바꾸며, 새 점검이 실행하는 명령:
pack-consent-intro = 수업 자료 { $pack }은(는) 내 서버에서 자체 명령을 실행합니다(tutor의 내장 점검은 읽기만 하지만, 이 명령들은 수업 자료의 것입니다):
pack-consent-ask = tutor가 서버를 점검할 때 이 명령들을 실행할까요?
pack-consent-needed = 수업 자료 { $pack }은(는) 위에 적은 명령을 내 서버에서 실행합니다. 명령을 읽어 본 뒤 --yes를 붙여 다시 실행하면 허용됩니다(명령이 바뀌면 다시 묻습니다).

# tutor ft (src/ft/).
ft-no-project = { $dir } 폴더가 없습니다: `tutor ft --project DIR`로 Django 프로젝트 폴더를 알려 주세요.
ft-no-manage-py = { $dir }에 manage.py가 없습니다: Django 프로젝트 폴더(manage.py가 있는 폴더)에서 `tutor ft`를 실행하거나 --project DIR로 알려 주세요.
ft-command-not-found = { $program } 명령을 찾을 수 없습니다: 프로젝트의 가상환경을 만들거나(python3 -m venv .venv) --command로 테스트를 실행하는 명령을 알려 주세요.
ft-no-selenium = 테스트를 실행하는 Python({ $python })에 Selenium이 없습니다: `.venv/bin/pip install selenium`으로 프로젝트의 가상환경에 설치한 뒤 `tutor ft`를 다시 실행하세요.
ft-empty-command = 테스트 명령이 비어 있습니다: --command로 알려 주세요. 예: --command "python manage.py test functional_tests"
ft-running = { $dir }에서 STAGING_SERVER={ $server }로 `{ $command }` 실행 중
ft-progress-start = 테스트를 시작하는 중…
ft-progress = 테스트 { $done }개 실행, { $failed }개 실패
ft-progress-of = 테스트 { $done }/{ $total }개 실행, { $failed }개 실패
ft-not-recognised = 알 수 없는 메시지입니다. 트레이스백 전체를 `tutor why`에 붙여 넣거나, 그것을 보여 주며 물어보세요.
ft-cause = → 서버 검사가 찾은 원인: { $id } ({ $stage } 단계), 아래를 보세요
ft-checks-heading = tutor가 서버에서 본 것:
ft-all-pass = 기능 테스트 { $count }개가 모두 { $server }에서 통과합니다({ $seconds }초).
ft-some-failed = 기능 테스트 { $count }개 중 { $failed }개가 실패했습니다(실패 { $failures }, 오류 { $errors }, { $seconds }초).
ft-none-ran = 실행된 기능 테스트가 없습니다: functional_tests 폴더에 테스트가 있나요?
ft-no-result = 테스트 결과가 없습니다(명령이 종료 코드 { $code }로 끝났습니다). 마지막 줄:
ft-timed-out = 테스트가 { $timeout } 안에 끝나지 않아 tutor가 멈췄습니다(시간을 늘리려면 --timeout 10m).
ft-interrupted = Ctrl-C로 멈췄습니다: 테스트와 브라우저를 멈췄습니다.
ft-same-as-above = 위와 같습니다: { $id }.
