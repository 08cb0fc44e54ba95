export { type DcganOptions, dcganDiscriminator, dcganGenerator } from './dcgan.js';
export { GAN, type GANConfig, type GANFitArgs, type GANStepLogs } from './gan.js';
