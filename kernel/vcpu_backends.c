// SPDX-License-Identifier: MIT
/* vcpu_backends.c: the vCPU backends the hypervisor can use, in order of preference. */
#include "kernel/svm.h"
#include "kernel/vmx.h"

const struct vcpu_ops *const vcpu_backends[] = {
	&svm_ops,
	&vmx_ops,
};
const unsigned int vcpu_backend_count = ARRAY_SIZE(vcpu_backends);
