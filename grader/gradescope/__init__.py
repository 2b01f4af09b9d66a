"""A drop-in Gradescope autograder: the zip (``build``) and what runs in it per submission (``run``).

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
(it installs the nnsolve wheel the zip carries), then runs ``run_autograder``
once per submission: ``nnsolve gradescope run`` finds the student's answers file
in ``/autograder/submission``, takes the student's identity from
``/autograder/submission_metadata.json`` (never from what the student typed),
grades it as ``nnsolve grade`` does and writes ``/autograder/results/results.json``
(``results``): one test per asked step.  Whatever goes wrong, the student gets a
results file with a visible failing test saying why, and the instructor the
details on stdout.
"""
