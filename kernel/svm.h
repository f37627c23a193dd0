/* SPDX-License-Identifier: MIT */
/* svm.h: the AMD SVM vCPU backend (kernel/vcpu.h); only the backend list names it. */
#ifndef KERNEL_SVM_H
#define KERNEL_SVM_H

#include "kernel/vcpu.h"

extern const struct vcpu_ops svm_ops;

#endif
