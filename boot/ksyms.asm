; SPDX-License-Identifier: MIT
; ksyms.asm: places the generated symbol blob in .ksyms (empty on the first link).
section .ksyms noexec nowrite align=8
%ifdef KSYMS_BLOB
	incbin KSYMS_BLOB
%endif
