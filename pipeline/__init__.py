"""The night's stages as plain functions, and the night itself: no Prefect here.

``pipeline.stages`` holds each stage (prepare, crawl all, extract, load, summarise, check,
report, publish, trends) and ``pipeline.night.run_night`` calls them in order; ``flows/`` wraps
the same functions in Prefect tasks and hands them to the same ``run_night``. The modules
beside them do the work of one stage each: ``crawl`` (a crawl process), ``extraction`` and
``extract_process`` (the extraction pool), ``recovery`` (the crawl state from earlier nights),
``quality``, ``report``, ``trends``, ``retention``, ``reextract``; ``children`` starts every
child process, ``preflight`` and ``network`` check before any work. What stages share with the
other packages (the run folder, URL identity, the retry policy) is ``khabar``'s.
"""
