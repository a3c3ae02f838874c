# 안내 모드 (src/wizard.rs).

prompt-failed = 입력을 받지 못했습니다: { $error }
confirm-needs-yes = { $question } 터미널이 없어서 물어볼 수 없습니다. 확인하려면 --yes를 붙입니다.
start-again = { $domain } 도메인으로 만든 "{ $profile }" 프로필이 이미 있습니다. 첫 단계부터 다시 시작할까요? (아니요: 하던 곳부터 이어 합니다)
recap-welcome = 다시 오신 것을 환영합니다!
recap-welcome-domain = 다시 오신 것을 환영합니다! 지금 배포하는 도메인: { $domain }
recap-none = 아직 끝낸 단계가 없습니다.
recap-done = 지금까지 끝낸 단계: { $stages }
recap-skipped = { $stage }(건너뜀)
recap-next = 다음 단계: { $stage } — { $title }
menu-check = 서버 점검하기
menu-again = 다시 점검하기
menu-hint = 힌트 보기
menu-explain = 문제를 더 자세히 설명 듣기
menu-skip = 이 단계 건너뛰기
menu-quit = 끝내기(진행 상황은 저장됩니다)
menu-question-first = 위의 명령을 모두 입력했다면:
menu-question-after = 이제 무엇을 할까요?
explain-undecided = 이번 점검은 판단을 내리지 못했습니다. 위에 나온 줄에 직접 실행할 명령이 있습니다.
checking = 서버에서 { $stage } 단계를 점검하는 중…
host-key-first = tutor가 { $server } 서버에 처음 접속합니다. 서버의 { $kind } 키 지문은 다음과 같습니다.
    { $fingerprint }
    호스팅 업체가 보여 주는 지문(또는 서버에서 `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub`의 결과)과 같은지 비교합니다.
host-key-question = 이 키가 내 서버의 키가 맞나요?
passphrase = { $path } 키의 암호 문구:
stage-done = { $stage } 단계를 마쳤습니다.
profile-unusable = 저장된 프로필을 쓸 수 없습니다: { $problem }
q-domain = 스테이징 도메인:
q-domain-help = 이것저것 시험해 보는 동안 사이트가 쓸 이름입니다. 예: superlists-staging.example.com
q-live = 운영 도메인(선택):
q-live-help = 나중에 실제 사이트가 쓸 이름입니다. 건너뛰려면 Enter를 누릅니다
q-ip = 서버의 IP 주소:
q-ip-help = 호스팅 업체 화면에 나옵니다. 예: 203.0.113.10
q-user = 서버에 로그인할 사용자 이름:
q-user-help = root가 아니라 sudo를 쓸 수 있는 일반 사용자입니다(예: elspeth)
q-user-root = root 대신 일반 사용자를 씁니다. 만드는 방법은 ssh 단계에서 안내합니다.
q-port = SSH 포트:
q-port-error = 1부터 65535 사이의 포트 번호를 입력합니다.
q-port-zero = 0번은 포트로 쓸 수 없습니다. 1부터 65535 사이를 씁니다(보통 22).
q-key = SSH 개인 키 파일(선택):
q-key-help = Enter를 누르면 ssh-agent와 ~/.ssh/id_ed25519, id_ecdsa, id_rsa를 씁니다
q-key-missing = { $path } 파일이 없습니다. 개인 키 파일의 경로를 입력하거나 비워 둡니다.
q-repo = 프로젝트의 git 저장소 URL(선택):
q-repo-help = 예: https://github.com/you/superlists.git. 건너뛰려면 Enter를 누릅니다
save-failed = 진행 상황을 저장하지 못했습니다
