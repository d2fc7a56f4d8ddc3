"""The deterministic demo workspace: a believable AI product company, leaks planted on
purpose (see :mod:`worthit.demo.planted`)."""
