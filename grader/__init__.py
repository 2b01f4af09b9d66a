"""nnsolve's grader: compares students' answers with worked solutions."""
