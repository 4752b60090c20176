/* The Loader image an Updater carries (BUNDLE: a file name, or none). */
	.section .rodata.bundle, "a"
	.balign 4
	.global fwd_bundle_start, fwd_bundle_end
fwd_bundle_start:
#ifdef BUNDLE
	.incbin BUNDLE
#endif
fwd_bundle_end:
