"""The submission portal: firms upload and fix their submissions, supervisors watch the month and build it.

It sits after the pipeline: an upload is read and validated by the same pipeline as `riskreport validate`,
and the build button runs `riskreport build`'s pipeline. Nothing here validates data by itself.
"""
