# 수업 기능의 출력 (src/class/): `tutor class check`, `tutor class summary`,
# `tutor export`. 단계 이름, 진단 id, TOML 키, 파일 경로는 그대로 둡니다.

## tutor class check

class-no-learners = { $roster }: 점검할 학습자가 없습니다. [[learner]] 항목을 추가합니다(`tutor class check --help` 참고).
class-check-title = 수업 점검
class-check-subtitle = { $roster } · 학습자 { $count }명 · 점검 시각 { $time } · 걸린 시간 { $seconds }초
# $done은 진행 막대가 채우는 "{pos}/{len}"입니다.
class-bar = 학습자 { $done }명 점검 완료
class-watch-again = { $seconds }초 뒤에 다시 점검합니다. 멈추려면 Ctrl-C를 누릅니다.
class-closing-all-pass = { $count ->
        [1] 점검한 단계를 학습자가 모두 통과했습니다.
       *[other] 점검한 단계를 학습자 { $count }명 전원이 모두 통과했습니다.
    }
class-closing-some-pass = 점검한 단계를 모두 통과한 학습자는 { $count }명 중 { $passing }명입니다.
class-closing-skipped = 명단 항목 { $count }개를 건너뛰었습니다(위의 메시지 참고).
class-run-unfinished = 점검이 끝나지 않았습니다
class-run-panic = 이 서버를 점검하다가 tutor 내부 오류가 났습니다

## tutor class summary

class-no-handins = { $count ->
        [1] 이 파일은 제출 파일이 아닙니다. 학습자에게 `tutor export`의 출력을 달라고 합니다.
       *[other] 파일 { $count }개 중 제출 파일이 하나도 없습니다. 학습자에게 `tutor export`의 출력을 달라고 합니다.
    }
class-summary-title = 수업 요약
class-summary-subtitle = 제출 파일 { $count }개 · 칸: 그 단계에 쓴 시간, 여러 번 시도했으면 시도 횟수 뒤에 표시(3× 12m) · 작성 시각 { $time }
class-summary-cells = 칸에는 단계마다 쓴 시간이 나옵니다. 여러 번 시도한 단계는 시도 횟수 뒤에 나옵니다(3× 12m: 세 번 시도, 12분).
class-median-label = 통과까지 걸린 시간(중앙값)
class-median-line = 통과까지 걸린 시간(중앙값): { $times }
class-html-write-failed = HTML 페이지를 쓸 수 없습니다: { $path }

## 표 (터미널)

class-col-learner = 학습자
class-col-furthest = 진도
# 통과한 단계가 하나도 없는 학습자 (진도 칸과 단계별 인원).
class-none = 없음
class-mark-pass = 통과
class-mark-fail = 실패
class-mark-fail-id = 실패(진단 id)
class-mark-error = 판단 불가
class-mark-skip = 도달하지 못함
class-mark-skipped = 학습자가 건너뜀
class-where-heading = 수업 진도(통과한 마지막 단계 기준, 학습자 { $count }명)
class-common-heading = 가장 흔한 문제(모두에게 설명할 만한 것)
# $n은 열에 맞춰 오른쪽 정렬한 인원수입니다.
class-common-count = { $count ->
       *[other] { $n }명
    }
class-common-explain = tutor explain ID 명령이 프로젝터에 띄울 설명 페이지를 출력합니다.

## 페이지 (--html)

class-html-col-learner = 학습자
class-html-col-furthest = 진도
class-html-where = 수업 진도
class-html-where-hint = 통과한 마지막 단계별 학습자 수입니다.
class-html-common = 가장 흔한 문제
class-html-common-none = 없음: 실행한 점검을 모두 통과했습니다.
class-html-learners = { $count }명
class-html-explain = tutor explain ID 명령이 문제마다 설명 페이지를 출력합니다.

## 명단

class-roster-unreadable = { $path }: 명단 파일을 읽을 수 없습니다
class-roster-learner = 학습자 { $name }
class-roster-learner-number = { $number }번째 학습자
class-roster-no-name = 이름이 없습니다. 표에 누구인지 나오도록 name = "..." 줄을 추가합니다.
class-roster-duplicate = { $line }번째 줄의 학습자가 이미 쓰는 이름입니다. 학습자마다 다른 이름을 붙입니다.
class-roster-bad-user = ssh_user 값 { $user }: 서버의 사용자 이름으로 쓸 수 없습니다. 영문 소문자, 숫자, _, -로 쓰고 영문자로 시작합니다.
class-roster-site-dir = site_dir 값이 비어 있거나 줄바꿈이 들어 있습니다. 예: ~/sites/staging.example.com
class-roster-unknown-key = 알 수 없는 키: { $key }. 쓸 수 있는 키: { $keys }.
class-roster-missing = { $key } 키가 없습니다. { $key } = "..." 줄을 추가합니다.
class-roster-not-string = { $key } 값은 따옴표로 감싼 문자열이어야 합니다(지금은 { $kind } 값).
class-roster-bad-port = { $key } 값은 1부터 65535 사이의 포트 번호여야 합니다(지금은 { $value }).
class-roster-empty-path = { $key } 값이 비어 있습니다. 파일 경로를 쓰거나 키를 지웁니다.
class-roster-no-key-file = { $key } { $path }: 그런 키 파일이 없습니다. 개인 키 파일의 경로를 씁니다(예: ~/.ssh/id_ed25519).
class-roster-resolvers-not-list = resolvers 값은 ["1.1.1.1"] 같은 목록이어야 합니다(지금은 { $kind } 값).
class-roster-bad-resolver = 리졸버 { $value }: IP 주소가 아닙니다. 포트를 붙여도 됩니다(예: 1.1.1.1, 127.0.0.1:5353).
class-roster-resolvers-not-strings = resolvers 목록에는 따옴표로 감싼 문자열만 넣습니다(지금은 { $kind } 값).
class-kind-string = 문자열
class-kind-number = 숫자
class-kind-decimal = 소수
class-kind-bool = true/false
class-kind-date = 날짜
class-kind-list = 목록
class-kind-table = 테이블

## 제출 파일

class-handin-unreadable = { $file }: 파일을 읽을 수 없습니다({ $error }). 건너뜁니다.
class-handin-too-many-stages = { $file }: 단계가 { $count }개로, 어떤 수업 자료보다 많습니다. 제출 파일이 아니므로 건너뜁니다.
class-handin-bad-id = { $file }: "{ $id }"은(는) 단계나 진단 이름이 아닙니다(영문 소문자, 숫자, ., _, - 로 64자까지). 건너뜁니다.
class-handin-not-json = { $file }: `tutor export`로 만든 제출 파일이 아닙니다({ $line }번째 줄: { $error }). 건너뜁니다.
class-handin-newer = { $file }: 더 새로운 tutor로 만든 파일입니다(제출 형식 { $version }). 읽으려면 tutor를 업데이트합니다. 건너뜁니다.
class-handin-damaged = { $file }: 손상된 제출 파일입니다({ $error }). 건너뜁니다.
class-handin-damaged-progress = { $file }: 손상된 진행 파일입니다({ $error }). 건너뜁니다.
class-handin-no-field = { $file }: `tutor export`로 만든 제출 파일이 아닙니다(tutor_handin 필드가 없습니다). 건너뜁니다.
class-ft-heading = 자기 서버에 대한 기능 테스트(tutor ft, 마지막 실행): { $count }명 중 { $green }명 통과
