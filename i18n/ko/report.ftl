# 강의, 점검 결과, 진단 페이지 주변의 문구 (src/report.rs).

place-server = 서버에서
place-laptop = 내 컴퓨터에서
place-registrar = 도메인 등록 업체 사이트에서
fence-server = 서버에서 입력합니다:
fence-laptop = 내 컴퓨터에서 입력합니다:
fence-file = 다음 내용을 { $path } 파일에 넣습니다:
lesson-heading = { $total }단계 중 { $number }단계: { $title }
lesson-what-to-do = 할 일
lesson-when-it-worked = 성공하면 이렇게 보입니다
lesson-checks = tutor가 확인할 내용
page-stage = 단계: { $stage }
page-why = 왜 이런 일이 생기나요
page-fix = 고치는 방법
more-explain = 자세히: tutor explain { $id }
closing-one-pass = 이 단계를 통과했습니다
closing-all-pass = { $count }개 단계를 모두 통과했습니다
closing-attention = { $count }개 단계를 손봐야 합니다
closing-undecided = { $count }개는 판단하지 못했습니다
closing-skipped = { $count }개는 건너뛰었습니다
