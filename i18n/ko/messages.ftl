# 일반 문장 (src/messages.rs, src/why.rs, src/engine.rs, src/profile.rs).

no-profile = 아직 "{ $profile }" 프로필이 없습니다. 안내를 따라가려면 `tutor start`를, 질문 없이 바로 만들려면 `tutor init --domain D --server-ip IP --ssh-user U`를 실행합니다.
needs-tty = 안내 모드는 질문을 하기 위해 터미널이 필요합니다. 스크립트에서는 `tutor init ...`으로 프로필을 만들고, `tutor check --all`로 서버를 점검하고, `tutor status`로 진행 상황을 봅니다.
saved-resume = 진행 상황을 저장했습니다. 멈춘 곳부터 이어 하려면 `{ $command }`를 실행합니다.
welcome = tutor에 오신 것을 환영합니다. 여러분의 Django 사이트를 직접 준비한 서버에 한 단계씩 올려 보겠습니다. 명령은 여러분이 직접 입력합니다. 단계가 끝날 때마다 제가 실제 서버를 살펴보고(읽기만 하고 아무것도 바꾸지 않습니다) 잘 되었는지, 안 되었다면 왜 그런지와 무엇을 입력하면 되는지 알려 드립니다.
all-done = 모든 단계를 통과했습니다. 사이트 배포가 끝났습니다. 수고하셨습니다!
why-no-match = 이 메시지는 알아보지 못했습니다. 오류 전체를 붙여 넣었는지 확인합니다(트레이스백은 마지막 줄이 가장 중요합니다). 아니면 `tutor check`로 제가 직접 서버를 살펴보게 합니다.
why-looks-like = { $id } 문제로 보입니다:
why-also = 다음일 수도 있습니다: { $ids } (`tutor explain ID`로 확인합니다).
why-paste = 오류 메시지를 붙여 넣은 뒤, 새 줄에서 Ctrl-D를 누릅니다:

not-checked-requires = 점검하지 않았습니다: 먼저 { $check } 점검을 통과해야 합니다
not-checked-domain = 점검하지 않았습니다: 도메인이 올바른 호스트 이름이 아닙니다
not-checked-login = 점검하지 않았습니다: SSH 로그인이 필요합니다(ssh.login 참고)
check-retired = 지난 단계입니다: { $check } 점검을 통과했으니 이 단계의 일은 운영 환경이 넘겨받았습니다
not-decided-timeout = 판단하지 못했습니다: { $check }의 명령이 서버에서 { $seconds }초 안에 끝나지 않았습니다
not-decided-timeout-unknown = 판단하지 못했습니다: { $check }의 명령이 서버에서 제시간에 끝나지 않았습니다
not-decided-signal = 판단하지 못했습니다: { $check }의 명령이 서버에서 시그널 { $signal }로 중단되었습니다
not-decided-no-run = 판단하지 못했습니다: { $check }의 명령을 실행하지 못했습니다({ $reason })
not-decided-todo = `tutor check { $stage }`를 다시 실행해 보세요. 계속 이러면 서버가 느리거나 부하가 큰 것입니다(서버에서 `uptime`으로 부하를 볼 수 있습니다)
no-rule-matched = { $check } 점검의 어떤 규칙도 관찰한 내용과 맞지 않았습니다: { $facts }

domain-empty = 도메인이 비어 있습니다. 구입한 이름을 입력합니다(예: staging.example.com).
domain-url = { $name } 값은 도메인이 아니라 URL입니다. 이름만 입력합니다(예: staging.example.com).
domain-no-dot = { $name } 값에는 점이 없습니다. 도메인은 staging.example.com 같은 모양입니다.
domain-invalid = { $name } 값은 올바른 도메인이 아닙니다. 영문자, 숫자, 하이픈, 점만 씁니다(예: staging.example.com).
live-domain-problem = 운영 도메인: { $problem }
ip-not-server = { $ip } 주소는 서버 주소가 될 수 없습니다. 호스팅 업체가 보여 주는 IPv4 주소를 씁니다.
ip-invalid = { $ip } 값은 IPv4 주소가 아닙니다. 203.0.113.10처럼 0부터 255까지의 숫자 네 개로 이루어집니다.
user-invalid = { $user } 값은 서버 사용자 이름으로 쓸 수 없습니다. 영문 소문자로 시작하고 소문자, 숫자, _, -만 씁니다.
port-zero = { $what } 값이 0입니다. 1부터 65535 사이의 포트를 씁니다.
port-what-ssh = SSH 포트
port-what-dev = 개발 서버 포트
port-what-http = HTTP 포트
site-dir-invalid = 사이트 폴더가 비어 있거나, -로 시작하거나, 줄바꿈 같은 제어 문자가 들어 있습니다. ~/sites/staging.example.com처럼 씁니다.

progress-damaged = 진행 파일 { $path }이(가) 손상되었습니다({ $reason }). 파일은 그대로 두었습니다. 옆으로 옮기거나(mv { $path } { $backup }) `tutor reset --all`로 새로 시작합니다.
progress-too-new = 진행 파일 { $path }은(는) 더 새로운 tutor가 만든 것입니다(형식 버전 { $version }, 이 tutor는 { $supported }까지 읽습니다). 파일은 그대로 두었습니다. tutor를 업데이트하거나 다른 --profile을 씁니다.
profile-busy = 다른 tutor가 이미 "{ $profile }" 프로필을 쓰고 있습니다. 그쪽을 끝내거나 닫은 뒤에 다시 실행합니다.
profile-busy-pid = 다른 tutor(PID { $pid })가 이미 "{ $profile }" 프로필을 쓰고 있습니다. 그쪽을 끝내거나 닫은 뒤에 다시 실행합니다.

# 누군가 심어 두었거나 너무 큰 로컬 파일 (src/safe_file.rs), 상태 폴더 (src/progress/store.rs).
file-is-symlink = 심볼릭 링크라서 따라가지 않습니다
file-not-regular = 파이프나 장치, 폴더처럼 일반 파일이 아닙니다
file-hard-linked = 다른 이름(하드 링크)이 있는 파일이라, 여기에 쓰면 다른 파일이 바뀝니다
file-too-large = 크기가 { $mb }MB를 넘습니다
state-dir-shared = 상태 폴더 { $dir }은(는) 다른 사용자도 쓸 수 있어서, 누군가 그 안에 파일을 심어 둘 수 있습니다. 나만 쓸 수 있게 바꾸거나(chmod go-w { $dir }) 다른 --state-dir을 지정합니다.
why-tail-kept = (붙여 넣은 내용 중 마지막 { $mb }MB만 읽었습니다.)
